#!/usr/bin/env python3
"""A TCP proxy that can refuse connections on demand, for fault tests (DataHub or PostgreSQL "down").

  faultproxy.py --target HOST:PORT --port-file FILE --control-port-file FILE

Listens on a free loopback port and forwards every connection to the target. Control (HTTP, its own port):
  POST /refuse {"seconds": N}   stop listening and reset open connections for N seconds (clients see
                                "connection refused"), then listen again on the same port
  GET  /status                  {"refusing": bool, "connections": n}
"""
import argparse
import asyncio
import json
import os
import time


class Proxy:
    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.server = None
        self.port = None
        self.refuse_until = 0.0
        self.writers = set()

    async def start(self, port=0):
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", port, reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]

    async def handle(self, reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers.update({writer, up_writer})

        async def pipe(source, sink):
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers.difference_update({writer, up_writer})

    async def refuse(self, seconds):
        self.refuse_until = time.time() + seconds
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        await self.server.wait_closed()
        await asyncio.sleep(seconds)
        await self.start(self.port)
        self.refuse_until = 0.0


async def control(proxy, reader, writer):
    request = await reader.readuntil(b"\r\n\r\n")
    head = request.decode().split("\r\n")
    method, path = head[0].split(" ")[:2]
    length = next((int(line.split(":")[1]) for line in head if line.lower().startswith("content-length:")), 0)
    body = json.loads(await reader.readexactly(length) or b"{}") if length else {}
    if method == "POST" and path == "/refuse":
        asyncio.get_running_loop().create_task(proxy.refuse(float(body.get("seconds", 10))))
        answer = {"ok": True}
    else:
        answer = {"refusing": proxy.refuse_until > time.time(), "connections": len(proxy.writers) // 2}
    data = json.dumps(answer).encode()
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(data) + data)
    await writer.drain()
    writer.close()


def write_atomically(path, text):
    with open(path + ".tmp", "w") as handle:
        handle.write(text)
    os.replace(path + ".tmp", path)


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--control-port-file", required=True)
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    proxy = Proxy(host, int(port))
    await proxy.start()
    control_server = await asyncio.start_server(lambda r, w: control(proxy, r, w), "127.0.0.1", 0)
    write_atomically(args.control_port_file, str(control_server.sockets[0].getsockname()[1]))
    write_atomically(args.port_file, str(proxy.port))
    print(f"faultproxy 127.0.0.1:{proxy.port} -> {args.target}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
