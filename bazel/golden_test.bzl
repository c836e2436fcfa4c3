"""Golden CLI tests (SPEC §2.8): one Bazel test per case directory.

    load("//bazel:golden_test.bzl", "golden_cases")
    golden_cases()

in testdata/cli/BUILD.bazel makes a test <case>_test for every <case>/cmd and an
`:update` target that rewrites every case's expectations in the source tree.
"""

def golden_cases():
    cases = sorted([path.split("/")[0] for path in native.glob(["*/cmd"])])
    pkg = native.package_name()
    tools = ["//rune", "//runed", "//testing/golden:golden_runner"]
    common_args = [
        "--rune=$(rootpath //rune)",
        "--runed=$(rootpath //runed)",
    ]
    for case in cases:
        # "<case>_test": the test's own runfile must not shadow the case directory.
        native.sh_test(
            name = case + "_test",
            srcs = ["//testing/golden:run_case.sh"],
            args = ["$(rootpath //testing/golden:golden_runner)"] + common_args + [
                "--case=%s/%s" % (pkg, case),
            ],
            data = tools + native.glob([case + "/**"]),
            size = "small",
        )
    native.test_suite(name = "all", tests = [":" + c + "_test" for c in cases])
    native.sh_binary(
        name = "update",
        testonly = True,
        srcs = ["//testing/golden:update.sh"],
        args = [
            "$(rootpath //testing/golden:golden_runner)",
            "$(rootpath //rune)",
            "$(rootpath //runed)",
        ] + ["%s/%s" % (pkg, c) for c in cases],
        data = tools + native.glob(["*/**"]),
    )
