import { createSocket } from "node:dgram";

/**
 * A minimal authoritative DNS responder on 127.0.0.1 for CNAME questions, so domain verification
 * runs against a real resolver round-trip without leaving the machine. Unknown names get NXDOMAIN.
 */
export async function startDnsServer(records: Map<string, string>) {
  const socket = createSocket("udp4");
  socket.on("message", (query, peer) => {
    let offset = 12;
    const labels: string[] = [];
    while (query[offset] !== 0 && offset < query.length) {
      const length = query[offset]!;
      labels.push(query.subarray(offset + 1, offset + 1 + length).toString("ascii"));
      offset += length + 1;
    }
    const questionEnd = offset + 5;
    const name = labels.join(".").toLowerCase();
    const qtype = query.readUInt16BE(offset + 1);
    const target = qtype === 5 ? records.get(name) : undefined;
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    header.writeUInt16BE(target ? 0x8580 : 0x8583, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(target ? 1 : 0, 6);
    const parts = [header, query.subarray(12, questionEnd)];
    if (target) {
      const rdata = Buffer.concat([
        ...target.split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
        Buffer.from([0]),
      ]);
      const answer = Buffer.alloc(12);
      answer.writeUInt16BE(0xc00c, 0);
      answer.writeUInt16BE(5, 2);
      answer.writeUInt16BE(1, 4);
      answer.writeUInt32BE(60, 6);
      answer.writeUInt16BE(rdata.length, 10);
      parts.push(answer, rdata);
    }
    socket.send(Buffer.concat(parts), peer.port, peer.address);
  });
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}
