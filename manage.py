#!/usr/bin/env python
from brukerplan.cli import main

if __name__ == "__main__":
    main()
