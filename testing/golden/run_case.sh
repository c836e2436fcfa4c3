#!/bin/sh
# Test wrapper: one Bazel test per golden case runs the runner on it.
exec "$@"
