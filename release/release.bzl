"""The release tarball of SPEC §6.1: rune_<version>_linux_<arch>.tar.gz and SHA256SUMS.

    rune_release(
        name = "release",
        version = "0.1.0",
        mtime = 1795564800,
        rune = "//rune",
        runed = "//runed",
        ...
        licenses = ["@third_party_licenses//:zlib"],
        license_covers = {"zlib": ["@zlib"]},
    )

The binaries' transitive C++ dependencies are walked by an aspect: every
external repository (and every vendored third_party/<x> package inside one)
linked into rune or runed must be covered by a shipped license, and every
declared license must cover something linked, or the build fails.
"""

LinkedCodeInfo = provider(
    doc = "External C++ code linked into a binary.",
    fields = {"packages": "depset of '@<repo>//<package>' strings"},
)

_DEP_ATTRS = ["deps", "implementation_deps"]

def _linked_code_impl(target, ctx):
    transitive = []
    for attr in _DEP_ATTRS:
        for dep in getattr(ctx.rule.attr, attr, None) or []:
            if type(dep) == "Target" and LinkedCodeInfo in dep:
                transitive.append(dep[LinkedCodeInfo].packages)
    direct = []
    if target.label.workspace_name and CcInfo in target:
        direct.append("@%s//%s" % (target.label.workspace_name, target.label.package))
    return [LinkedCodeInfo(packages = depset(direct, transitive = transitive))]

linked_code = aspect(
    implementation = _linked_code_impl,
    attr_aspects = _DEP_ATTRS,
)

# Repositories of the toolchain itself, not third-party code.
_TOOLCHAIN_REPOS = ["bazel_tools", "local_config_cc"]

def _license_key(package):
    """'@repo//third_party/x/y' -> '@repo//third_party/x'; '@repo//pkg' -> '@repo'."""
    repo, path = package.split("//", 1)
    parts = path.split("/")
    if len(parts) >= 2 and parts[0] == "third_party":
        return "%s//third_party/%s" % (repo, parts[1])
    return repo

def _check_licenses(ctx, components):
    linked = {}
    for binary in [ctx.attr.rune, ctx.attr.runed]:
        for package in binary[LinkedCodeInfo].packages.to_list():
            if package[1:].split("//")[0] in _TOOLCHAIN_REPOS:
                continue
            linked[_license_key(package)] = package
    covered = {}
    for component, keys in ctx.attr.license_covers.items():
        if component not in components:
            fail("license_covers names %r, which is not in licenses" % component)
        for key in keys:
            if key not in linked:
                fail("the license of %r covers %s, which rune and runed do not link: remove it" %
                     (component, key))
            covered[key] = component
    for key, package in sorted(linked.items()):
        if key not in covered:
            fail("%s is linked into the release binaries but no license covers it: add a " % package +
                 "component covering %s to THIRD_PARTY_LICENSES in bazel/third_party_licenses.bzl" % key)
    for component in components:
        if component not in ctx.attr.license_covers:
            fail("licenses ships %r but license_covers does not say what it covers " % component +
                 "(an empty list: the compiler's own runtime)")

_ARCH = {"k8": "amd64", "x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}

_SECTION_DIGITS = "123456789"

def _rune_release_impl(ctx):
    cpu = ctx.var["TARGET_CPU"]
    if cpu not in _ARCH:
        fail("no release architecture for target CPU %r" % cpu)
    top = "rune_%s_linux_%s" % (ctx.attr.version, _ARCH[cpu])

    files = []  # (mode, path inside top, File)
    files.append(("755", "bin/rune", ctx.executable.rune))
    files.append(("755", "bin/runed", ctx.executable.runed))
    files.append(("644", "share/bash-completion/completions/rune", ctx.file.bash_completion))
    files.append(("644", "share/zsh/site-functions/_rune", ctx.file.zsh_completion))
    files.append(("644", "share/fish/vendor_completions.d/rune.fish", ctx.file.fish_completion))
    for page in ctx.files.man_pages:
        section = page.extension
        if len(section) != 1 or section not in _SECTION_DIGITS:
            fail("man page %s has no section number as its extension" % page.short_path)
        files.append(("644", "share/man/man%s/%s" % (section, page.basename), page))
    files.append(("644", "lib/systemd/system/runed.service", ctx.file.unit))
    files.append(("644", "share/doc/rune/runefile.example.yaml", ctx.file.runefile_example))
    components = {}
    for target in ctx.attr.licenses:
        component = target.label.name
        components[component] = True
        for f in target.files.to_list():
            files.append(("644", "share/doc/rune/LICENSES/%s/%s" % (component, f.basename), f))
    files.append(("755", "install.sh", ctx.file.install_sh))
    _check_licenses(ctx, components)

    manifest = ctx.actions.declare_file(ctx.label.name + ".manifest")
    ctx.actions.write(manifest, "".join(["%s\t%s\t%s\n" % (m, p, f.path) for m, p, f in files]))
    tarball = ctx.actions.declare_file(top + ".tar.gz")
    sums = ctx.actions.declare_file("SHA256SUMS")
    ctx.actions.run(
        executable = ctx.executable._make_tarball,
        arguments = [
            "--manifest=" + manifest.path,
            "--top=" + top,
            "--mtime=%d" % ctx.attr.mtime,
            "--output=" + tarball.path,
            "--sums=" + sums.path,
        ],
        inputs = [manifest] + [f for _, _, f in files],
        outputs = [tarball, sums],
        mnemonic = "RuneReleaseTarball",
        progress_message = "Packing " + tarball.short_path,
    )
    return [DefaultInfo(
        files = depset([tarball, sums]),
        runfiles = ctx.runfiles(files = [tarball, sums]),
    )]

rune_release = rule(
    implementation = _rune_release_impl,
    doc = "Packs the release tarball and its release-level SHA256SUMS.",
    attrs = {
        "version": attr.string(mandatory = True),
        "mtime": attr.int(mandatory = True, doc = "mtime of every entry (seconds since the epoch)"),
        "rune": attr.label(executable = True, cfg = "target", mandatory = True, aspects = [linked_code]),
        "runed": attr.label(executable = True, cfg = "target", mandatory = True, aspects = [linked_code]),
        "bash_completion": attr.label(allow_single_file = True, mandatory = True),
        "zsh_completion": attr.label(allow_single_file = True, mandatory = True),
        "fish_completion": attr.label(allow_single_file = True, mandatory = True),
        "man_pages": attr.label_list(allow_files = True, mandatory = True),
        "unit": attr.label(allow_single_file = True, mandatory = True),
        "runefile_example": attr.label(allow_single_file = True, mandatory = True),
        "install_sh": attr.label(allow_single_file = True, mandatory = True),
        "licenses": attr.label_list(
            allow_files = True,
            doc = "one filegroup per component, named after it (its directory under " +
                  "share/doc/rune/LICENSES)",
        ),
        "license_covers": attr.string_list_dict(
            doc = "component -> the '@repo' or '@repo//third_party/x' keys of linked code it covers",
        ),
        # "host", not "exec": with --distinct_host_configuration=false the host
        # configuration is the target one, so the tool reuses the objects
        # (BoringSSL, abseil, zlib) already built for rune and runed instead of
        # compiling them again in an exec configuration.
        "_make_tarball": attr.label(
            default = "//release:make_tarball",
            executable = True,
            cfg = "host",
        ),
    },
)
