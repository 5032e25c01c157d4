#!/usr/bin/env python3
"""LoCoMo glue for scripts/bench-locomo.sh: turns conversations into neuroseed JSONL archives and questions
into batch queries, and collects the search results into the RANKED.jsonl that score.py reads.

  locomo.py prepare DATA.json WORKDIR     # WORKDIR/<sample_id>/sessions.jsonl and queries.jsonl
  locomo.py collect DATA.json WORKDIR OUT # OUT: {"sample_id", "qa_index", "ranked": [dia_id, ...]} per question
"""
import json, os, re, sys
from datetime import datetime

MIN_RANKED = 50


def session_time(text):
    # "1:56 pm on 8 May, 2023" -> "2023-05-08T13:56:00"
    m = re.match(r"\s*(\d{1,2}):(\d{2})\s*([ap]m)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})", text or "")
    if not m:
        return ""
    hour, minute, ampm, day, month, year = m.groups()
    hour = int(hour) % 12 + (12 if ampm.lower() == "pm" else 0)
    try:
        when = datetime.strptime(f"{day} {month[:3]} {year}", "%d %b %Y")
    except ValueError:
        return ""
    return when.replace(hour=hour, minute=int(minute)).strftime("%Y-%m-%dT%H:%M:%S")


def sessions(conv):
    # Every "session_<n>" in number order, gaps included (a conversation whose session 6 was dropped keeps 7 on).
    keys = sorted((int(m.group(1)), m.group(0)) for m in (re.fullmatch(r"session_(\d+)", key) for key in conv) if m)
    for n, key in keys:
        yield n, conv[key] or [], conv.get(f"{key}_date_time", "")


def prepare(data, work):
    for sample in data:
        folder = os.path.join(work, sample["sample_id"])
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "sessions.jsonl"), "w", encoding="utf-8") as out:
            for n, turns, date in sessions(sample["conversation"]):
                when = session_time(date)
                for turn in turns:
                    text = turn.get("text", "")
                    if turn.get("blip_caption"):
                        text += f" [image: {turn['blip_caption']}]"
                    line = {"conversation": f"session_{n}", "title": f"session {n} {date}", "speaker": turn["speaker"],
                            "text": text, "id": turn["dia_id"]}
                    if when:
                        line["timestamp"] = when
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
        with open(os.path.join(folder, "queries.jsonl"), "w", encoding="utf-8") as out:
            for i, qa in enumerate(sample["qa"]):
                out.write(json.dumps({"id": i, "query": qa["question"]}, ensure_ascii=False) + "\n")


def collect(data, work, out_path):
    with open(out_path, "w", encoding="utf-8") as out:
        for sample in data:
            results = {}
            with open(os.path.join(work, sample["sample_id"], "results.jsonl"), encoding="utf-8") as f:
                for line in f:
                    r = json.loads(line)
                    ranked = []
                    for hit in r["hits"]:
                        if hit["external_id"] and hit["external_id"] not in ranked:
                            ranked.append(hit["external_id"])
                    results[r["id"]] = ranked
            # Every question gets MIN_RANKED ids, as `score.py baseline` lists them, so that R@50 compares like
            # with like. A question whose words only a few turns hold ("Who is Anthony?") gets fewer hits than that
            # from search, which returns only what some signal found; the rest is filled with the other turns in
            # conversation order. That adds chance recall (early sessions first) to those few questions only.
            turns = []
            with open(os.path.join(work, sample["sample_id"], "sessions.jsonl"), encoding="utf-8") as f:
                for line in f:
                    turns.append(json.loads(line)["id"])
            turns = list(dict.fromkeys(turns))
            for i in range(len(sample["qa"])):
                ranked = results.get(i, [])
                if len(ranked) < MIN_RANKED:
                    found = set(ranked)
                    ranked = ranked + [t for t in turns if t not in found][:MIN_RANKED - len(ranked)]
                out.write(json.dumps({"sample_id": sample["sample_id"], "qa_index": i, "ranked": ranked}) + "\n")


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] not in ("prepare", "collect"):
        sys.exit(__doc__)
    with open(sys.argv[2], encoding="utf-8") as f:
        data = json.load(f)
    if sys.argv[1] == "prepare":
        prepare(data, sys.argv[3])
    else:
        collect(data, sys.argv[3], sys.argv[4])
