"""Declares every external repository from the table in repository_locations.bzl.

WORKSPACE calls rune_dependencies() once.  Entries with a missing field are
refused when the table is loaded, so the table cannot silently lose its
version, sha256, release date or license.
"""

load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")
load("//bazel:repository_locations.bzl", "REPOSITORY_LOCATIONS")
load("//bazel:third_party_licenses.bzl", "third_party_licenses")

_REQUIRED_FIELDS = [
    "project_name",
    "version",
    "sha256",
    "strip_prefix",
    "urls",
    "release_date",
    "license",
    "license_file",
    "debian_source",
]

# Build-time details per repository that are not part of the pinned identity.
_EXTRA = {
    "com_github_grpc_grpc": dict(
        patch_args = ["-p1"],
        # Pre-generated upb code for the three cncf/xds and googleapis protos.
        patches = ["//third_party/grpc:pregenerated_upb.patch"],
    ),
    "com_googlesource_code_re2": dict(
        patch_args = ["-p1"],
        patches = ["//third_party/re2:generated_tables.patch"],
    ),
    "com_github_cares_cares": dict(
        build_file = "//third_party/cares:cares.BUILD",
    ),
    "zlib": dict(
        build_file = "@com_github_grpc_grpc//third_party:zlib.BUILD",
    ),
    "boringssl": dict(
        # This 2022 BoringSSL trips GCC 12 false positives under its -Werror.
        patch_cmds = ["sed -i 's/\"-Werror\",/\"-Werror\", \"-Wno-error=array-bounds\", \"-Wno-error=stringop-overflow\",/' BUILD"],
    ),
    "lmdb": dict(
        build_file = "//third_party/lmdb:lmdb.BUILD",
    ),
    "yaml": dict(
        build_file = "//third_party/yaml:yaml.BUILD",
    ),
    "http_parser": dict(
        build_file = "//third_party/http_parser:http_parser.BUILD",
    ),
}

def _check(name, entry):
    for field in _REQUIRED_FIELDS:
        if not entry.get(field):
            fail("repository_locations.bzl: %s lacks field %r" % (name, field))
    if len(entry["sha256"]) != 64:
        fail("repository_locations.bzl: %s has a malformed sha256" % name)

# Local rule repositories: Bazel 4.2.3 cannot download rule sets and the
# current upstream ones are too new for it, so small copies live in-tree.
_LOCAL_RULES = [
    "platforms",
    "rules_cc",
    "rules_proto",
    "rules_java",
    "rules_python",
    "rules_pkg",
    "bazel_skylib",
    "build_bazel_rules_apple",
    "remote_coverage_tools",
]

def rune_dependencies():
    """Declares the rule repositories, every pinned archive and @third_party_licenses."""
    for name in _LOCAL_RULES:
        native.local_repository(name = name, path = "third_party/bazel_rules/" + name)
    for name, entry in REPOSITORY_LOCATIONS.items():
        _check(name, entry)
        extra = _EXTRA.get(name, {})
        http_archive(
            name = name,
            sha256 = entry["sha256"],
            strip_prefix = entry["strip_prefix"],
            urls = entry["urls"],
            **extra
        )
    # The license files of everything linked into the release binaries.
    third_party_licenses(name = "third_party_licenses")
