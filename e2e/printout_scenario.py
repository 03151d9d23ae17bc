"""The commands `make local` prints as next steps work when pasted: each printed line is run as printed, in a shell
that has nothing of the stack's environment (no `source .stack/env`), from another directory."""
import json
import os
import subprocess
import uuid

from common import expect

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pasted(line, timeout=180):
    """Runs `line` as a person pasting it into a new shell would: a bare environment, the home directory as cwd."""
    bare = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(["bash", "-c", line], env=bare, cwd=bare["HOME"], capture_output=True, text=True, timeout=timeout)


def scenario_printed_next_steps_work(env, _state):
    table = f"printout_{uuid.uuid4().hex[:8]}"
    env.create_table(table)
    printed = subprocess.run([os.path.join(ROOT, "scripts/next-steps.sh"), table], capture_output=True, text=True, check=True).stdout
    commands = [line.strip() for line in printed.splitlines() if line.startswith("  ")]
    expect(len(commands) == 3, f"three commands printed, got {commands}")
    expect("0.0.0.0" not in printed, "the local API is on this machine only")
    for command in commands[:2]:
        result = pasted(command)
        expect(result.returncode == 0, f"`{command}` as printed: exit {result.returncode}\n{result.stdout[-800:]}\n{result.stderr[-800:]}")
        expect('"status": "SUCCESS"' in result.stdout, f"`{command}` shows a SUCCESS run:\n{result.stdout[-800:]}")
    result = pasted(commands[2])
    expect(result.returncode == 0, f"`{commands[2]}`: exit {result.returncode} {result.stderr[-400:]}")
    record = json.loads(result.stdout)
    expect(record.get("status") == "SUCCESS", f"the API trigger as printed settles SUCCESS: {result.stdout[:400]}")
    tokens = env.sql(f"SELECT count(*) FROM public.{table} WHERE email LIKE '%@%'")
    expect(tokens == [["0"]], f"no plaintext e-mail left in {table}: {tokens}")


SCENARIOS = [
    ("printout", "the next steps `make local` prints work when pasted into a bare shell", scenario_printed_next_steps_work),
]
