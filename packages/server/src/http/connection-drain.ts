import type { Server } from "node:http";
import type { Socket } from "node:net";

interface Tracked {
  inFlight: number;
  idleSince: number;
}

/**
 * Keeps track of the listener's connections, for a drain that cuts nothing: a kept-alive
 * connection is closed only once it has had no request for a while. Closing one the instant it
 * falls idle races the client's next request on it, which then fails ("other side closed"); a
 * client that keeps using its connection instead gets its next answer, with `Connection: close`.
 */
export function trackConnections(server: Server) {
  const sockets = new Map<Socket, Tracked>();
  server.on("connection", (socket: Socket) => {
    sockets.set(socket, { inFlight: 0, idleSince: Date.now() });
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("request", (request, response) => {
    const tracked = sockets.get(request.socket);
    if (!tracked) return;
    tracked.inFlight++;
    response.once("close", () => {
      tracked.inFlight--;
      tracked.idleSince = Date.now();
    });
  });
  return {
    /** Closes the connections without a request in flight that have been idle at least `idleMs`. */
    closeIdle(idleMs: number): void {
      const now = Date.now();
      for (const [socket, tracked] of sockets) {
        if (tracked.inFlight === 0 && now - tracked.idleSince >= idleMs) socket.destroy();
      }
    },
  };
}
