"""python -m vqdb.testing [--durable] -- CMD ARGS...: CMD against a throwaway cluster."""

import sys

from vqdb.testing.cluster import main

sys.exit(main())
