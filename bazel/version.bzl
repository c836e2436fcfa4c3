"""The product version, stamped into release builds and the release tarball name."""

VERSION = "0.1.0"

# Date stamped into the generated man pages (SOURCE_DATE_EPOCH of the
# genrules): 2026-11-25T00:00:00Z. Bump it with VERSION.
RELEASE_EPOCH = "1795564800"
