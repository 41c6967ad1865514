from __future__ import annotations

import pytest

from aispm.checks.modelfiles.globals_policy import Verdict, default_policy, judge_global, parse_policy


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("os", "system"),
        ("posix", "system"),
        ("nt", "system"),
        ("subprocess", "Popen"),
        ("commands", "getoutput"),  # Python 2 name of subprocess
        ("builtins", "eval"),
        ("builtins", "exec"),
        ("builtins", "getattr"),
        ("builtins", "__import__"),
        ("__builtin__", "eval"),
        ("builtins", "open"),
        ("runpy", "run_path"),
        ("importlib", "import_module"),
        ("pty", "spawn"),
        ("socket", "create_connection"),
        ("shutil", "rmtree"),
        ("webbrowser", "open"),
        ("code", "interact"),
        ("timeit", "timeit"),
        ("ctypes", "CDLL"),
        ("pickle", "loads"),
        ("marshal", "loads"),
        ("sys", "modules"),
        ("operator", "attrgetter"),
        ("numpy.testing._private.utils", "runstring"),
        ("numpy", "load"),
        ("torch", "load"),
        ("torch._utils", "__builtins__"),
        ("collections", "OrderedDict.__init__.__globals__"),
        ("torch.hub", "load"),
        ("pandas", "read_pickle"),
        ("pandas", "ExcelWriter"),  # a class of an allowed package that writes files
        ("pandas", "HDFStore"),
        ("pandas.io.pickle", "read_pickle"),
    ],
)
def test_dangerous_globals(module: str, name: str) -> None:
    assert judge_global(module, name).verdict is Verdict.DANGEROUS


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("torch._utils", "_rebuild_tensor_v2"),
        ("torch._utils", "_rebuild_parameter"),
        ("torch", "FloatStorage"),
        ("torch", "bfloat16"),
        ("collections", "OrderedDict"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "dtype"),
        ("numpy", "ndarray"),
        ("numpy", "log1p"),
        ("numpy.random._pickle", "__randomstate_ctor"),
        ("sklearn.linear_model._logistic", "LogisticRegression"),
        ("sklearn.ensemble._hist_gradient_boosting.binning", "_BinMapper"),
        ("sklearn.neighbors._kd_tree", "newObj"),
        ("scipy.sparse._csr", "csr_matrix"),
        ("datetime", "datetime"),
        ("_codecs", "encode"),
        ("copyreg", "_reconstructor"),
        ("copy_reg", "_reconstructor"),
        ("__builtin__", "unicode"),
        ("joblib.numpy_pickle", "NumpyArrayWrapper"),
        ("__torch__.model", "Net"),
        ("pandas", "DataFrame"),  # pandas 2+ pickles frames under the top-level package
        ("pandas.arrays", "DatetimeArray"),
        ("pandas", "StringDtype"),
    ],
)
def test_allowlisted_globals(module: str, name: str) -> None:
    assert judge_global(module, name).verdict is Verdict.SAFE


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("__main__", "Net"),  # custom code: unknown, not dangerous
        ("osx", "system"),  # look-alike of os
        ("os_utils", "helper"),
        ("posixpath", "join"),
        ("sklearn.utils", "check_array"),  # a function, not a class, of an allowlisted package
        ("numpy", "frombuffer_like"),
        ("functools", "partial"),
        ("torch.nn.modules.linear", "Linear.forward"),  # attribute path without dunders
        ("transformers", "pipeline"),
        ("pandas", "concat"),  # functions of pandas are not classes
    ],
)
def test_unknown_globals_are_neither_safe_nor_dangerous(module: str, name: str) -> None:
    assert judge_global(module, name).verdict is Verdict.UNKNOWN


def test_deny_wins_over_an_allowed_package_prefix() -> None:
    policy = parse_policy({"deny": {"sklearn.evil": ["*"]}, "allow_classes_under": ["sklearn"]})
    assert policy.judge("sklearn.evil", "Gadget").verdict is Verdict.DANGEROUS
    assert policy.judge("sklearn.good", "Model").verdict is Verdict.SAFE


def test_module_wildcards_match_submodules_only_under_the_package() -> None:
    policy = parse_policy({"allow": {"scipy.sparse.*": ["csr_matrix"]}})
    assert policy.judge("scipy.sparse._csr", "csr_matrix").verdict is Verdict.SAFE
    assert policy.judge("scipy.sparsely", "csr_matrix").verdict is Verdict.UNKNOWN


@pytest.mark.parametrize("data", [{"allow": ["os"]}, {"deny": {"os": "system"}}, {"deny_modules": "os"}])
def test_invalid_lists_are_rejected(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"globals\.jsonc"):
        parse_policy(data)


def test_shipped_lists_load_and_cover_the_issue_denylist() -> None:
    policy = default_policy()
    for module in ("os", "posix", "nt", "subprocess", "runpy", "importlib", "pty", "socket", "shutil", "webbrowser",
                   "code", "timeit", "ctypes"):  # fmt: skip
        assert module in policy.deny_modules
    assert {"eval", "exec", "compile", "getattr", "__import__", "open", "breakpoint"} <= policy.deny["builtins"].names


def test_an_attribute_path_is_safe_only_when_listed_whole() -> None:
    from aispm.checks.modelfiles.globals_policy import Verdict, judge_global

    assert judge_global("zoneinfo", "ZoneInfo._unpickle").verdict is Verdict.SAFE
    assert judge_global("zoneinfo", "ZoneInfo.other").verdict is Verdict.UNKNOWN
    assert judge_global("zoneinfo", "ZoneInfo.__init__").verdict is Verdict.DANGEROUS
    assert judge_global("os", "path.join").verdict is Verdict.DANGEROUS
