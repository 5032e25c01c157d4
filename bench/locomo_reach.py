#!/usr/bin/env python3
"""How far word matching can reach on LoCoMo: an upper bound for any retriever without outside knowledge.

  python3 bench/locomo_reach.py DATA.json RANKED.jsonl [--k 10]

RANKED.jsonl is what scripts/bench-locomo.sh writes. For each category it prints the retriever's R@k and the R@k
of an oracle that keeps the retriever's top k and also ranks into it every evidence turn that shares a content
word with its question (speaker names and function words aside, words compared by a light suffix stemmer), up to
k per question; "+ neighbours" also counts the words of the turns just before and after. It prints how many
missed evidence turns share no word at all: those need knowledge the conversation does not hold ("What authors
has Tim read?" is answered by "Harry Potter and Game of Thrones are amazing").
"""
import argparse, collections, json, re

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
FUNCTION_WORDS = set("""a an the and or but if of at by for with about to from in on is are was were be been being am
do does did have has had i me my you your he him his she her it its we us our they them their this that these those
what which who whom when where why how as so than too very can will just not no there here then also would could
should might may must into out up any some all both each ever kind kinds type types sort""".split())


def stem(word):
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def words(text):
    # "tim's" is "tim": a possessive names the same person.
    return {stem(w.removesuffix("'s").strip("'")) for w in re.findall(r"[a-z']+", (text or "").lower())}


def evidence(qa):
    # As score.py reads it: a few ids are joined ("D8:6; D9:17") or malformed ("D:11:26").
    ids = [f"D{int(a)}:{int(b)}" for raw in qa.get("evidence", [])
           for a, b in re.findall(r"D(\d+):(\d+)", raw.replace("D:", "D"))]
    return list(dict.fromkeys(ids))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data"), parser.add_argument("ranked"), parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    data = json.load(open(args.data, encoding="utf-8"))
    ranked = {}
    for line in open(args.ranked, encoding="utf-8"):
        r = json.loads(line)
        ranked[(r["sample_id"], r["qa_index"])] = r["ranked"]
    got, reach, near = (collections.defaultdict(list) for _ in range(3))
    missed, wordless, alone = collections.Counter(), collections.Counter(), collections.Counter()
    for sample in data:
        conv = sample["conversation"]
        names = {stem(conv.get(s, "").lower()) for s in ("speaker_a", "speaker_b")}
        turns, order = {}, []
        for key in sorted((k for k in conv if re.fullmatch(r"session_\d+", k)), key=lambda k: int(k.split("_")[1])):
            for turn in conv[key] or []:
                turns[turn["dia_id"]] = turn.get("text", "") + " " + turn.get("blip_caption", "")
                order.append(turn["dia_id"])
        around = {t: (order[i - 1] if i else None, order[i + 1] if i + 1 < len(order) else None)
                  for i, t in enumerate(order)}
        for i, qa in enumerate(sample["qa"]):
            gold = evidence(qa)
            if not gold or qa.get("category") not in CATEGORIES:
                continue
            cat = CATEGORIES[qa["category"]]
            top = ranked.get((sample["sample_id"], i), [])[: args.k]
            asked = {w for w in words(qa["question"]) if w not in FUNCTION_WORDS and w not in names}
            hit = [g for g in gold if g in top]
            shares = [g for g in gold if g not in top and asked & words(turns.get(g))]
            beside = [g for g in gold if g not in top and g not in shares and
                      any(n and asked & words(turns.get(n)) for n in around.get(g, (None, None)))]
            for c in (cat, "overall"):
                got[c].append(len(hit) / len(gold))
                reach[c].append(min(len(hit) + len(shares), args.k) / len(gold))
                near[c].append(min(len(hit) + len(shares) + len(beside), args.k) / len(gold))
                missed[c] += len(gold) - len(hit)
                wordless[c] += len(gold) - len(hit) - len(shares)
                alone[c] += len(gold) - len(hit) - len(shares) - len(beside)
    k = args.k
    print(f"{'category':12s} {'R@' + str(k):>6s} {'reach':>6s} {'+ neighbours':>13s}   missed  sharing no word  (nor neighbours)")
    for c in [*CATEGORIES.values(), "overall"]:
        if not got[c]:
            continue
        mean = lambda xs: sum(xs) / len(xs)
        print(f"{c:12s} {mean(got[c]):6.3f} {mean(reach[c]):6.3f} {mean(near[c]):13.3f}   {missed[c]:6d}  "
              f"{wordless[c]:15d}  {alone[c]:16d}")


if __name__ == "__main__":
    main()
