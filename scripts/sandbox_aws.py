#!/usr/bin/env python3
"""sandbox_aws: moto, plus the few AWS behaviours moto lacks: the local test sandbox's AWS stand-in.

TEST INFRASTRUCTURE, never part of the product. This file is the entry point; the code is the package
sandbox_aws_front/ beside it, whose docstring (sandbox_aws_front/__init__.py) says what it adds to moto, its
knobs (PD_SANDBOX_*), its control endpoints and which module does what.

Run: python scripts/sandbox_aws.py --host 127.0.0.1 --port 5102   (from the sandbox venv)
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from sandbox_aws_front.front import main  # noqa: E402  (needs HERE on sys.path)

if __name__ == "__main__":
    main()
