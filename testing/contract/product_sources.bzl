"""The C++ sources (srcs and hdrs) of this workspace that binaries are built from.

    load("//testing/contract:product_sources.bzl", "product_sources")
    product_sources(name = "sources", deps = ["//rune", "//runed"])

makes the source files runfiles of whatever depends on :sources, plus a
manifest `sources.txt` listing their paths (one per line, relative to the
workspace), so a test can read every file a binary is compiled from, including
packages added later.
"""

_SourcesInfo = provider(fields = ["files"])

def _collect_impl(target, ctx):
    direct = []
    if not target.label.workspace_name:
        for name in ["srcs", "hdrs", "textual_hdrs"]:
            for dep in getattr(ctx.rule.attr, name, []):
                direct.extend([f for f in dep.files.to_list() if f.is_source])
    deps = getattr(ctx.rule.attr, "deps", [])
    if type(deps) != "list":
        deps = []
    transitive = [d[_SourcesInfo].files for d in deps if _SourcesInfo in d]
    return [_SourcesInfo(files = depset(direct, transitive = transitive))]

_collect = aspect(implementation = _collect_impl, attr_aspects = ["deps"])

def _product_sources_impl(ctx):
    files = depset(transitive = [d[_SourcesInfo].files for d in ctx.attr.deps])
    manifest = ctx.actions.declare_file(ctx.label.name + ".txt")
    ctx.actions.write(manifest, "".join([f.short_path + "\n" for f in files.to_list()]))
    return [DefaultInfo(
        files = depset([manifest]),
        runfiles = ctx.runfiles(files = [manifest], transitive_files = files),
    )]

product_sources = rule(
    implementation = _product_sources_impl,
    attrs = {"deps": attr.label_list(aspects = [_collect])},
)
