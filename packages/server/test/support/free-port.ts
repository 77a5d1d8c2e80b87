import { type AddressInfo, createServer } from "node:net";

/** A port nothing listens on now: the kernel's pick, released (fetch refuses "bad ports" such as 9). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
