"""@third_party_licenses: the license files of all code linked into rune and runed.

One filegroup per component, named after it (`@third_party_licenses//:grpc`),
holding that component's license files under `<component>/`. The release
tarball ships them as share/doc/rune/LICENSES/<component>/<file>.

Files are copied from the fetched archives (by label, so an archive's BUILD
file need not export them). glibc and GCC's runtime (libstdc++, libgcc) come
with the compiler: for them the copyright file of the Debian package that owns
the archive the compiler links (`gcc -print-file-name=libc.a`, `dpkg-query -S`)
is copied, with the full license text it refers to from
/usr/share/common-licenses. The GCC copyright file carries the GCC Runtime
Library Exception.

THIRD_PARTY_LICENSES also says which linked code each component covers
('@repo', or '@repo//third_party/x' for code vendored in a repository); the
release rule fails when linked code is covered by no component.
"""

THIRD_PARTY_LICENSES = {
    "abseil": struct(files = ["@com_google_absl//:LICENSE"], covers = ["@com_google_absl"]),
    "address_sorting": struct(
        files = ["@com_github_grpc_grpc//third_party/address_sorting:LICENSE"],
        covers = ["@com_github_grpc_grpc//third_party/address_sorting"],
    ),
    "boringssl": struct(files = ["@boringssl//:src/LICENSE"], covers = ["@boringssl"]),
    "c-ares": struct(files = ["@com_github_cares_cares//:LICENSE.md"], covers = ["@com_github_cares_cares"]),
    "grpc": struct(
        files = ["@com_github_grpc_grpc//:LICENSE", "@com_github_grpc_grpc//:NOTICE.txt"],
        covers = ["@com_github_grpc_grpc"],
    ),
    "http-parser": struct(files = ["@http_parser//:LICENSE-MIT"], covers = ["@http_parser"]),
    "libyaml": struct(files = ["@yaml//:License"], covers = ["@yaml"]),
    "lmdb": struct(
        files = ["@lmdb//:libraries/liblmdb/COPYRIGHT", "@lmdb//:libraries/liblmdb/LICENSE"],
        covers = ["@lmdb"],
    ),
    "protobuf": struct(files = ["@com_google_protobuf//:LICENSE"], covers = ["@com_google_protobuf"]),
    "re2": struct(files = ["@com_googlesource_code_re2//:LICENSE"], covers = ["@com_googlesource_code_re2"]),
    "upb": struct(files = ["@upb//:LICENSE"], covers = ["@upb"]),
    "utf8_range": struct(
        files = ["@upb//third_party/utf8_range:LICENSE"],
        covers = ["@upb//third_party/utf8_range"],
    ),
    "xxhash": struct(
        files = ["@com_github_grpc_grpc//third_party/xxhash:LICENSE"],
        covers = ["@com_github_grpc_grpc//third_party/xxhash"],
    ),
    "zlib": struct(files = ["@zlib//:LICENSE"], covers = ["@zlib"]),
}

# Linked by the compiler itself: component -> (static archives, the
# common-licenses text their copyright file names for the library).
TOOLCHAIN_LICENSES = {
    "gcc-runtime": (["libstdc++.a", "libgcc.a", "libgcc_eh.a"], "GPL-3"),
    "glibc": (["libc.a"], "LGPL-2.1"),
}

def _run(rctx, args):
    r = rctx.execute(args)
    if r.return_code != 0:
        fail("third_party_licenses: %s failed: %s" % (" ".join(args), r.stderr))
    return r.stdout.strip()

def _filegroup(name, srcs):
    return "filegroup(\n    name = %r,\n    srcs = %r,\n)\n" % (name, sorted(srcs))

def _third_party_licenses_impl(rctx):
    build = ["package(default_visibility = [\"//visibility:public\"])\n"]
    for component, entry in THIRD_PARTY_LICENSES.items():
        srcs = []
        for label in entry.files:
            source = rctx.path(Label(label))
            if not source.exists:
                fail("third_party_licenses: %s does not exist" % label)
            dest = "%s/%s" % (component, source.basename)
            rctx.file(dest, rctx.read(source), executable = False)
            srcs.append(dest)
        build.append(_filegroup(component, srcs))

    cc = rctx.os.environ.get("CC") or rctx.which("gcc")
    if not cc:
        fail("third_party_licenses: no C compiler (gcc, or $CC)")
    for component, (archives, common_license) in TOOLCHAIN_LICENSES.items():
        copyright = None
        for archive in archives:
            path = rctx.path(_run(rctx, [str(cc), "-print-file-name=" + archive])).realpath
            owner = _run(rctx, ["dpkg-query", "-S", str(path)]).splitlines()[0].split(":")[0]
            doc = rctx.path("/usr/share/doc/%s/copyright" % owner)
            if not doc.exists:
                fail("third_party_licenses: package %s (owner of %s) has no %s" % (owner, path, doc))
            text = rctx.read(doc)
            if copyright != None and text != copyright:
                fail("third_party_licenses: the archives of %s come from packages with different " % component +
                     "copyright files; list them as separate components")
            copyright = text
        rctx.file(component + "/copyright", copyright, executable = False)
        rctx.file(component + "/" + common_license,
                  rctx.read("/usr/share/common-licenses/" + common_license), executable = False)
        build.append(_filegroup(component, [component + "/copyright", component + "/" + common_license]))
    rctx.file("BUILD.bazel", "\n".join(build), executable = False)

third_party_licenses = repository_rule(
    implementation = _third_party_licenses_impl,
    environ = ["CC"],
    local = True,
)

def license_covers():
    """component -> the linked code it covers ([] for the compiler's runtime)."""
    covers = {c: e.covers for c, e in THIRD_PARTY_LICENSES.items()}
    for component in TOOLCHAIN_LICENSES:
        covers[component] = []
    return covers
