"""Entry point of the emulator process: moto's server, bound to localhost."""

import argparse

from moto import server

from slipway.emulator import HOST


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server.main(["--host", HOST, "--port", str(args.port)])


if __name__ == "__main__":
    main()
