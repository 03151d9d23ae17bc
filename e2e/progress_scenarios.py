"""A long run watched while it works: progress in GET /runs/{id}, the `runs` CLI, the log and DataHub, then the final
summary in its place and the run and batch histograms in /metrics."""
import os
import subprocess
import time
import urllib.parse

from harness import expect, http, wait_for


def watch_progress(faults):
    settings = {"PROGRESS_LOG_SECONDS": 1, "PROGRESS_DATAHUB_SECONDS": 3, "POSTGRES_BATCH_SIZE": max(100, faults.rows // 100)}
    service = faults.service("progress", **settings).start()
    table, urn = faults.table("progress", "ff1")
    headers = {"Authorization": f"Bearer {os.environ['API_TOKEN']}"}
    faults.trigger(urn)
    faults.wait_running(urn, batches=1)
    snapshots, shown_in_datahub, cli_lines = [], set(), []
    deadline = time.time() + 240
    while time.time() < deadline:
        status, body = http("GET", f"{service.url}/runs?dataset={urllib.parse.quote(urn, safe='')}&limit=5", headers=headers)
        expect(status == 200, f"GET /runs answered {status}: {body}")
        running = [r for r in body["runs"] if r["status"] == "RUNNING"]
        if not running:
            break
        if running[0].get("progress"):
            snapshots.append(running[0]["progress"])
        description = (faults.datahub.dataset(urn).get("editableProperties") or {}).get("description") or ""
        shown_in_datahub |= {line for line in description.splitlines() if line.startswith("| Progress | Running")}
        if not cli_lines:
            out = subprocess.run([faults.binary, "runs", "--url", service.url, "--dataset", urn], capture_output=True, text=True,
                                 env=dict(os.environ, TOKENIZE_ACTION_TOKEN=os.environ["API_TOKEN"]), timeout=30)
            cli_lines = [line for line in out.stdout.splitlines() if "RUNNING" in line]
        time.sleep(0.3)
    run = faults.final_run(urn, timeout=240)
    percents = [s["percent"] for s in snapshots if s.get("percent") is not None]
    print(f"   {len(snapshots)} progress snapshots while RUNNING, percent {percents[:1]}…{percents[-1:]}, "
          f"eta seen {any(s.get('eta_seconds') for s in snapshots)}; {len(shown_in_datahub)} distinct progress lines in DataHub")
    expect(len(set(percents)) >= 2 and percents == sorted(percents), f"percent did not advance monotonically: {percents}")
    expect(any(s.get("eta_seconds") for s in snapshots) and any((s.get("rows_per_second") or 0) > 0 for s in snapshots),
           "no pace or time left was reported")
    expect(all(s.get("estimated_rows") for s in snapshots), "the catalog's row estimate is missing")
    expect(shown_in_datahub, "DataHub never showed the run's progress")
    expect(cli_lines and "Running —" in cli_lines[0], f"`tokenize-action runs` did not show the running run: {cli_lines}")
    final = faults.datahub.dataset(urn)["editableProperties"]["description"]
    expect("| Progress |" not in final and "**SUCCESS**" in final, "the final summary did not replace the progress")
    with open(service.log_path) as log:
        progress_lines = [line for line in log if "run progress" in line and "percent=" in line]
    expect(len(progress_lines) >= 2, f"expected progress log lines, found {len(progress_lines)}")
    _, metrics = http("GET", f"{service.url}/metrics")
    expect('tokenize_batch_duration_seconds_count{platform="postgres",scheme="ff1"}' in metrics, "no batch-duration histogram")
    expect('tokenize_run_duration_seconds_count{platform="postgres",scheme="ff1",status="SUCCESS"} 1' in metrics, "no run-duration histogram")
    print(f"   run {run['run_id'][:8]}: {len(progress_lines)} progress log lines; histograms in /metrics")
    service.stop()
