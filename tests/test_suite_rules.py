"""The suite's own rules: the spec copies equal ../shared, and under CI=true a skip fails.

The skip rule is tests/conftest.py's `SkipRule`; here it runs on tiny test files in a
fresh pytest process (pytester), with and without CI=true and with xdist's two workers.
"""

import filecmp
import importlib.util
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
SHARED = TESTS.parents[1] / "shared"  # beside the checkout, where it is at hand
CONFTEST = TESTS / "conftest.py"
ALLOWED_NODE = (
    "tests/test_suite_rules.py::"
    "test_the_spec_copies_equal_the_shared_spec_when_it_is_beside_the_checkout"
)


def copies() -> list[Path]:
    """The copies under tests/fixtures/, as paths relative to it (and to ../shared)."""
    return sorted(
        path.relative_to(FIXTURES)
        for path in FIXTURES.rglob("*")
        if path.is_file()
        and path.name != "README.md"
        and path.relative_to(FIXTURES).parts[0] not in MADE_HERE
    )


# Fixtures written for the tests, not copied from ../shared (each folder has a README).
MADE_HERE = {"klass", "instrument"}


def test_the_fixtures_hold_the_copies_the_tests_read():
    assert [str(path) for path in copies()] == [
        "seeds/003_4ec209f302107412.txt",
        "spec/instrument-2026.yaml",
        "spec/registration-format.md",
        "spec/report-format.md",
        "spec/sample-registrations.csv",
    ]


def test_the_spec_copies_equal_the_shared_spec_when_it_is_beside_the_checkout():
    # On ALLOWED_SKIPS: a fresh clone (CI's) has no ../shared beside it.
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    differ = [
        str(path)
        for path in copies()
        if not (SHARED / path).is_file()
        or not filecmp.cmp(FIXTURES / path, SHARED / path, shallow=False)
    ]
    assert differ == [], f"copy again from {SHARED} (tests/fixtures/spec/README.md)"


def rules():
    """tests/conftest.py as a module of its own, for its plain functions."""
    spec = importlib.util.spec_from_file_location("suite_rules_conftest", CONFTEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_allowed_skip_is_named_by_its_node_id_or_by_the_start_of_its_reason():
    allowed = {"tests/a.py::test_x": "why", "pdftotext is not": "why"}
    allowed_skip = rules().allowed_skip
    assert allowed_skip("tests/a.py::test_x", "anything", allowed)
    assert allowed_skip("tests/a.py::test_x[county]", "anything", allowed)
    assert allowed_skip("tests/b.py::test_y", "pdftotext is not installed", allowed)
    assert not allowed_skip("tests/a.py::test_xy", "anything", allowed)
    assert not allowed_skip("tests/b.py::test_y", "the pdftotext is not installed", allowed)


def test_ci_is_true_only_when_the_environment_says_so(monkeypatch):
    ci = rules().ci
    for value, expected in (("true", True), ("TRUE", True), ("1", True), ("false", False)):
        monkeypatch.setenv("CI", value)
        assert ci() is expected
    monkeypatch.delenv("CI")
    assert ci() is False


@pytest.fixture
def suite(pytester, monkeypatch):
    """A pytester directory whose conftest takes the hooks from tests/conftest.py."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    pytester.makeconftest(
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('suite_rules', {str(CONFTEST)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "pytest_configure = module.pytest_configure\n"
    )
    pytester.makepyfile(
        test_one="""
        import pytest

        def test_passes():
            pass

        def test_skips():
            pytest.skip("not here")
        """
    )

    def run(*args: str):
        return pytester.runpytest_subprocess("-p", "no:django", "-p", "no:cacheprovider", *args)

    return run


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_under_ci_a_skip_fails_the_run_and_the_summary_names_it(suite, monkeypatch, workers):
    monkeypatch.setenv("CI", "true")
    result = suite(*workers)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*CI=true: 1 skipped, not in ALLOWED_SKIPS*",
            "SKIPPED test_one.py::test_skips: not here",
        ]
    )
    result.assert_outcomes(passed=1, skipped=1)


def test_without_ci_a_skip_passes(suite):
    result = suite()
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, skipped=1)
    assert "ALLOWED_SKIPS" not in result.stdout.str()


def test_under_ci_a_skipped_module_fails_the_run(suite, pytester, monkeypatch):
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile(
        test_two="""
        import pytest

        pytest.importorskip("a_module_that_is_not_installed")
        """
    )
    result = suite("test_two.py")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["SKIPPED test_two.py: could not import*"])


def test_under_ci_an_allowed_skip_and_an_xfail_pass(suite, pytester, monkeypatch):
    monkeypatch.setenv("CI", "true")
    node, name = ALLOWED_NODE.split("::")
    pytester.makepyfile(
        **{
            node.removesuffix(".py"): f"""
            import pytest

            def {name}():
                pytest.skip("../shared is not beside the checkout")

            @pytest.mark.xfail(reason="known", strict=True)
            def test_known():
                assert False
            """
        }
    )
    result = suite("tests")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(skipped=1, xfailed=1)
    assert "not in ALLOWED_SKIPS" not in result.stdout.str()
