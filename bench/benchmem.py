"""Peak resident memory for the benchmarks (Linux ``/proc/self``; NaN elsewhere)."""
from __future__ import annotations


def status_mb(field: str) -> float:
    """A ``/proc/self/status`` field in MB (``"VmRSS:"``, ``"VmHWM:"``)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def reset_peak() -> float:
    """Reset the kernel's peak-RSS mark (where it can be) and return the resident MB now."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return status_mb("VmRSS:")


def peak_mb() -> float:
    """The peak resident MB since the last :func:`reset_peak`."""
    return status_mb("VmHWM:")
