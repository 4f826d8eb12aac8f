"""A small TAP reporter shared by the end-to-end scripts: `ok N - name` or
`not ok N - name` with the failure as `#` comment lines, then `1..N`."""
import sys
import traceback


class Tap:
    def __init__(self, prefix):
        self.prefix = prefix
        self.n = 0
        self.failed = 0

    def _fail(self, name, text):
        self.failed += 1
        print(f"not ok {self.n} - {self.prefix} {name}")
        print("# " + text.strip().replace("\n", "\n# "))

    def result(self, name, fn):
        """Runs fn; an exception fails the test (assertions show only their message)."""
        self.n += 1
        try:
            fn()
            print(f"ok {self.n} - {self.prefix} {name}")
        except AssertionError as e:
            self._fail(name, "".join(traceback.format_exception_only(type(e), e)))
        except Exception:
            self._fail(name, traceback.format_exc())
        sys.stdout.flush()

    def crashed(self, name):
        """Records a failure of the setup itself (call from an except block)."""
        self.n += 1
        self._fail(name, traceback.format_exc())

    def done(self):
        print(f"1..{self.n}")
        return 1 if self.failed else 0


def run_suite(prefix, body, setup_name="setup"):
    """Runs body(tap, work) with a new temporary directory, which is removed
    afterwards; an exception outside a test fails `setup_name`.  Returns the
    exit status for sys.exit."""
    import shutil
    import tempfile
    work = tempfile.mkdtemp(prefix=f"ptriage-{prefix}-")
    tap = Tap(prefix)
    try:
        body(tap, work)
    except Exception:
        tap.crashed(setup_name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tap.done()
