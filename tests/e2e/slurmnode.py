"""A private single-node Slurm cluster for the tests (docs/scale.md): munged,
slurmctld and slurmd from Debian's packages, run as root with every file,
socket and port of their own, so that two suites can each run one at once.
Nothing is left running: the daemons are stopped on leaving the block."""
import contextlib
import os
import signal
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def conf_text(d, host, cpus, ctld_port, d_port):
    return f"""ClusterName=ptriage
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={d}/munge/sock
CredType=cred/munge
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SchedulerParameters=sched_interval=1
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=triage Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


def log_tail(d):
    out = []
    for f in ("slurmctld.log", "slurmd.log", "munge/log"):
        p = os.path.join(d, f)
        if os.path.exists(p):
            out.append(f"--- {f}\n" + "".join(open(p, errors="replace").readlines()[-15:]))
    return "\n".join(out)


@contextlib.contextmanager
def cluster(d):
    """Yields the environment (SLURM_CONF) under which sbatch and sinfo use
    the cluster in directory d."""
    if os.geteuid() != 0:
        raise AssertionError("a single-node Slurm needs root (slurmd runs jobs as their users)")
    for tool in ("munged", "slurmctld", "slurmd", "sbatch"):
        if not any(os.access(os.path.join(p, tool), os.X_OK) for p in ("/usr/sbin", "/usr/bin")):
            raise AssertionError(f"{tool} is not installed (make deps)")
    for sub in ("munge", "state", "spool"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    os.chmod(d, 0o711)
    os.chmod(os.path.join(d, "munge"), 0o711)
    key = os.path.join(d, "munge", "munge.key")
    with open(key, "wb") as f:
        f.write(os.urandom(1024))
    os.chmod(key, 0o400)
    host = socket.gethostname().split(".")[0]
    conf = os.path.join(d, "slurm.conf")
    with open(conf, "w") as f:
        f.write(conf_text(d, host, os.cpu_count() or 1, free_port(), free_port()))
    env = dict(os.environ, SLURM_CONF=conf)
    m = os.path.join(d, "munge")
    try:
        subprocess.run(["munged", "--force", "-S", m + "/sock", "--key-file", key, "--log-file", m + "/log",
                        "--pid-file", m + "/pid", "--seed-file", m + "/seed"], check=True, capture_output=True)
        for daemon in ("slurmctld", "slurmd"):
            subprocess.run([daemon, "-f", conf], check=True, capture_output=True, env=env)
        deadline = time.time() + 60
        while True:
            state = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, env=env).stdout.strip()
            if state == b"idle":
                break
            if time.time() > deadline:
                raise AssertionError(f"the Slurm node did not come up (state {state!r}):\n" + log_tail(d))
            time.sleep(0.5)
        yield env
    finally:
        stop(d)


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:   # a zombie (its parent, here, may never reap it) is as good as gone
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stop(d):
    """SIGTERM to each daemon, SIGKILL to one still there after 20 s."""
    pids = []
    for pid_file in ("slurmd.pid", "slurmctld.pid", "munge/pid"):
        try:
            pid = int(open(os.path.join(d, pid_file)).read().strip())
            os.kill(pid, signal.SIGTERM)
            pids.append(pid)
        except (OSError, ValueError):
            pass
    deadline = time.time() + 20
    while any(alive(p) for p in pids) and time.time() < deadline:
        time.sleep(0.2)
    for p in pids:
        if alive(p):
            os.kill(p, signal.SIGKILL)
