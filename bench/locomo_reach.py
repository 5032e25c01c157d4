#!/usr/bin/env python3
"""How far word overlap with the question reaches on LoCoMo, against what a retriever ranked.

  python3 bench/locomo_reach.py DATA.json RANKED.jsonl [--k 10] [--json]

RANKED.jsonl is what scripts/bench-locomo.sh writes. Per category it gives the run's R@k and the R@k of an oracle
that keeps the run's top k and also ranks into it every evidence turn that shares a content word with its question
(speaker names and function words aside; words compared by a light suffix stemmer), up to k per question:
"reach". "+ neighbours" also counts the words of the turns just before and after in the same session, as search's
neighbour signal reads them. Last, how many evidence turns the run missed, how many of those share no word with
the question, and how many share none with their neighbours either.

Word overlap is what lexical signals can use. It does not bound every signal (the graph and a dense space reach
turns that share no word), but a turn that shares no word with its question or its neighbours is reached only by
knowing what the words mean: "What authors has Tim read?" is answered by "Harry Potter and Game of Thrones are
amazing".
"""
import argparse, collections, json, os, re, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from locomo import sessions  # the session order bench-locomo.sh loads conversations in

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
FUNCTION_WORDS = set("""a an the and or but if of at by for with about to from in on is are was were be been being am
do does did have has had i me my you your he him his she her it its we us our they them their this that these those
what which who whom whose when where why how as so than too very can will just not no there here then also would could
should might may must into out up any some all both each ever kind kinds type types sort""".split())


def stem(word):
    # score.py's suffixes, then a final "e", so that "like", "likes" and "liked" are one word, as are "hobby" and
    # "hobbies".
    for suffix in ("ingly", "edly", "ing", "ies", "ied", "ed", "es", "ly", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def words(text):
    # "tim's" is "tim": a possessive names the same person.
    return {stem(w.removesuffix("'s").strip("'")) for w in re.findall(r"[a-z0-9']+", (text or "").lower())}


def evidence(qa):
    # As score.py reads it: a few ids are joined ("D8:6; D9:17") or malformed ("D:11:26").
    ids = [f"D{int(a)}:{int(b)}" for raw in qa.get("evidence", [])
           for a, b in re.findall(r"D(\d+):(\d+)", raw.replace("D:", "D"))]
    return list(dict.fromkeys(ids))


def conversation_turns(conv):
    """dia_id -> text with caption, and dia_id -> the ids of the turns before and after it in its session."""
    texts, around = {}, {}
    for _, turns, _ in sessions(conv):
        ids = []
        for turn in turns:
            texts[turn["dia_id"]] = turn.get("text", "") + " " + turn.get("blip_caption", "")
            ids.append(turn["dia_id"])
        for i, t in enumerate(ids):
            around[t] = [n for n in (ids[i - 1] if i else None, ids[i + 1] if i + 1 < len(ids) else None) if n]
    return texts, around


def reach(data, ranked, k):
    got, lexical, near = (collections.defaultdict(list) for _ in range(3))
    missed, wordless, alone = (collections.Counter() for _ in range(3))
    for sample in data:
        conv = sample["conversation"]
        names = {stem(conv.get(s, "").lower()) for s in ("speaker_a", "speaker_b")}
        texts, around = conversation_turns(conv)
        for i, qa in enumerate(sample["qa"]):
            gold = evidence(qa)
            if not gold or qa.get("category") not in CATEGORIES:
                continue
            top = ranked.get((sample["sample_id"], i), [])[:k]
            asked = {w for w in words(qa["question"]) if w not in FUNCTION_WORDS and w not in names}
            hit = [g for g in gold if g in top]
            shares = [g for g in gold if g not in top and asked & words(texts.get(g))]
            beside = [g for g in gold if g not in top and g not in shares and
                      any(asked & words(texts.get(n)) for n in around.get(g, []))]
            for c in (CATEGORIES[qa["category"]], "overall"):
                got[c].append(len(hit) / len(gold))
                lexical[c].append(min(len(hit) + len(shares), k) / len(gold))
                near[c].append(min(len(hit) + len(shares) + len(beside), k) / len(gold))
                missed[c] += len(gold) - len(hit)
                wordless[c] += len(gold) - len(hit) - len(shares)
                alone[c] += len(gold) - len(hit) - len(shares) - len(beside)
    mean = lambda xs: round(sum(xs) / len(xs), 4)
    return {c: {f"R@{k}": mean(got[c]), "reach": mean(lexical[c]), "reach_with_neighbours": mean(near[c]),
                "missed": missed[c], "missed_sharing_no_word": wordless[c],
                "missed_sharing_no_word_nor_neighbours": alone[c], "n": len(got[c])}
            for c in [*CATEGORIES.values(), "overall"] if got[c]}


def main():
    parser = argparse.ArgumentParser(description="Reach of word overlap on LoCoMo against a ranked run.")
    parser.add_argument("data"), parser.add_argument("ranked")
    parser.add_argument("--k", type=int, default=10), parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with open(args.data, encoding="utf-8") as f:
        data = json.load(f)
    ranked = {}
    with open(args.ranked, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                ranked[(r["sample_id"], int(r["qa_index"]))] = list(dict.fromkeys(r["ranked"]))
    table = reach(data, ranked, args.k)
    if args.json:
        print(json.dumps(table, indent=2))
        return
    print(f"{'category':12s} {'R@' + str(args.k):>6s}  reach  + neighbours   missed  sharing no word  (nor neighbours)")
    for c, row in table.items():
        print(f"{c:12s} {row[f'R@{args.k}']:6.3f} {row['reach']:6.3f} {row['reach_with_neighbours']:13.3f}   "
              f"{row['missed']:6d}  {row['missed_sharing_no_word']:15d}  {row['missed_sharing_no_word_nor_neighbours']:16d}")


if __name__ == "__main__":
    main()
