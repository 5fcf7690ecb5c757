"""Entry point of the emulator process: moto's server on localhost, gaps filled."""

import argparse

from moto import server

from slipway import emulator_adapter
from slipway.emulator import HOST


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    filled = emulator_adapter.install()
    print(
        f"slipway: emulator gaps filled: {', '.join(filled) or 'nothing'}", flush=True
    )
    server.main(["--host", HOST, "--port", str(args.port)])


if __name__ == "__main__":
    main()
