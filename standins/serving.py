"""Shared by the stand-ins: announce the bound port (stdout and an atomically written port file), then serve."""
import os


def serve(server, banner, port_file=None):
    port = server.server_address[1]
    print(banner.format(port=port), flush=True)
    if port_file:
        with open(port_file + ".tmp", "w") as handle:
            handle.write(str(port))
        os.replace(port_file + ".tmp", port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
