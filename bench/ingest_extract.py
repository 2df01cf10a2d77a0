"""Benchmark: ingest + extraction throughput and peak memory on a generated corpus.

    python bench/ingest_extract.py [--docs 10000] [--jobs 1] [--keep DIR] [--lang ko]

Documents (2-8 KB, plain text files on disk) are assembled from real sentences: those of the bundled
sample corpus, the development sets and the linkage set, split into sentences that assert something and
sentences that do not, mixed so that the claim density matches the whole real documents of the sample
corpus (printed as claims per KB; `--claim-share` changes it). The run ingests them into a fresh SQLite
store exactly as `nkwatch ingest` does (originals kept, claims stored).

Prints, for the whole run: MB of text per second and documents per second (and both per core), the
coder alone on the same text as a baseline in the same process (so the ratio survives a noisy machine),
and the resident memory after each tenth of the documents: flat figures mean memory does not grow with
the number of documents.

--lang ko builds the documents from Korean sentences (the Korean tuning passages, dev/eval/ko/tune) and also
times the coder per character on Korean against English (issue 14: within 2x): a cold pass (the morphological
analyser's word cache empty, as for the first documents of a run) and the median of three warm ones.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from nkwatch.extract import extract_claims, korean, learned
from nkwatch.extract.sentences import split_sentences
from nkwatch.ingest.pipeline import ingest_paths
from nkwatch.store.db import open_store

ROOT = Path(__file__).resolve().parents[1]
FILLER = [
    "The meeting was attended by representatives of several member states.",
    "Officials in Seoul declined to comment on the matter when asked on Tuesday.",
    "The report runs to more than 400 pages and includes annexes on methodology.",
    "Analysts said the situation remained difficult to assess from outside the country.",
    "Trade figures published by the customs office showed little change from the previous quarter.",
    "The delegation travelled to Geneva for the session of the Human Rights Council.",
]


FILLER_KO = [
    "회의에는 여러 회원국 대표들이 참석했다.",
    "서울의 당국자들은 화요일 이 문제에 대해 언급을 거부했다.",
    "보고서는 400쪽이 넘으며 조사 방법에 관한 부록을 담고 있다.",
    "전문가들은 외부에서 상황을 평가하기 어렵다고 말했다.",
    "세관이 발표한 무역 통계는 지난 분기와 큰 차이가 없었다.",
    "대표단은 인권이사회 회기에 참석하기 위해 제네바를 방문했다.",
]
FOLDERS = ("nkwatch/data/sample", "dev/claims/texts", "dev/linkage/texts")
FOLDERS_KO = ("dev/eval/ko/tune/texts",)  # tuning passages only: a benchmark never reads a test part


def corpus_sentences(lang: str = "en") -> tuple[list[str], list[str]]:
    """Real sentences, split into those the coder finds a claim in and those it does not."""
    texts = [p.read_text(encoding="utf-8") for folder in (FOLDERS_KO if lang == "ko" else FOLDERS)
             if (ROOT / folder).exists() for p in sorted((ROOT / folder).glob("*.txt"))]  # fmt: skip
    claiming, plain = [], list(FILLER_KO if lang == "ko" else FILLER)
    for t in texts:
        claims = extract_claims(t, published_at="2025-06-01", source_id="0" * 64, language=lang)
        spans = {(c["span"]["start"], c["span"]["end"]) for c in claims}
        for s in split_sentences(t):
            if s.end - s.begin > 30:
                (claiming if (s.begin, s.end) in spans else plain).append(t[s.begin:s.end])
    return claiming, plain


def make_corpus(folder: Path, n: int, seed: int = 7, claim_share: float = 0.25, lang: str = "en") -> int:
    rng = random.Random(seed)
    claiming, plain = corpus_sentences(lang)
    total = 0
    for i in range(n):
        size = rng.randint(2000, 8000)
        paras, length = [], 0
        while length < size:
            para = " ".join(rng.choice(claiming) if rng.random() < claim_share else rng.choice(plain)
                            for _ in range(rng.randint(2, 6)))  # fmt: skip
            paras.append(para)
            length += len(para) + 1
        text = f"{'보고서' if lang == 'ko' else 'Report'} {i}\n" + "\n".join(paras) + "\n"
        sub = folder / f"{i // 1000:03}"
        sub.mkdir(exist_ok=True)
        (sub / f"doc{i:06}.txt").write_text(text, encoding="utf-8")
        total += len(text.encode())
    return total


def sample_density() -> float:
    """Claims per KB in the whole real documents of the sample corpus: what the mix aims at."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "nkwatch/data/sample").glob("*.txt"))]
    n = sum(len(extract_claims(t, published_at="2025-06-01", source_id="0" * 64)) for t in texts)
    return n / (sum(len(t.encode()) for t in texts) / 1e3)


def chars_per_second(texts: list[str], lang: str, runs: int = 3) -> tuple[float, float]:
    """(first pass, median of `runs` passes) characters a second of the coder alone over `texts`."""
    rates = []
    for _ in range(runs):
        t = time.perf_counter()
        for text in texts:
            extract_claims(text, published_at="2025-06-01", source_id="0" * 64, language=lang)
        rates.append(sum(map(len, texts)) / (time.perf_counter() - t))
    return rates[0], statistics.median(rates)


def per_character(sample: list[str], work: Path, claim_share: float) -> None:
    """Korean against English per character, the coder alone, with and without the learned stage."""
    en_dir = work / "english"
    en_dir.mkdir(exist_ok=True)
    make_corpus(en_dir, len(sample), claim_share=claim_share)
    english = [p.read_text(encoding="utf-8") for p in sorted(en_dir.rglob("*.txt"))]
    korean.analyse.cache_clear()
    for label, model in (("with the learned stage", learned.current()), ("rules alone", None)):
        with learned.use(model):
            ko_cold, ko_warm = chars_per_second(sample, "ko")
            _, en_warm = chars_per_second(english, "en")
        print(f"per character, {label}: Korean {ko_cold / 1e3:.0f}k chars/s cold (first pass, analyser cache "
              f"empty), {ko_warm / 1e3:.0f}k warm; English {en_warm / 1e3:.0f}k chars/s: Korean takes "
              f"{en_warm / ko_cold:.1f}x (cold) / {en_warm / ko_warm:.1f}x (warm) English's time (target <= 2x)")
        korean.analyse.cache_clear()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="keep the generated corpus and store here")
    ap.add_argument("--claim-share", type=float, default=0.25,
                    help="share of sentences drawn from those that assert something (default 0.25)")
    ap.add_argument("--lang", choices=("en", "ko"), default="en", help="language of the generated documents")
    a = ap.parse_args()

    work = a.keep or Path(tempfile.mkdtemp(prefix="nkwatch-bench-"))
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    total_bytes = make_corpus(corpus, a.docs, claim_share=a.claim_share, lang=a.lang)
    took = time.perf_counter() - t0
    print(f"corpus: {a.docs} documents, {total_bytes / 1e6:.1f} MB of text, generated in {took:.1f}s")

    # Baseline in the same process: the coder alone over a sample of the same documents.
    files = sorted(corpus.rglob("*.txt"))
    sample = [p.read_text(encoding="utf-8") for p in files[: min(300, len(files))]]  # same mix as the corpus
    def coder_mbps() -> float:
        rates = []
        for _ in range(3):
            t = time.perf_counter()
            for text in sample:
                extract_claims(text, published_at="2025-06-01", source_id="0" * 64, language=a.lang)
            rates.append(sum(len(x.encode()) for x in sample) / 1e6 / (time.perf_counter() - t))
        return statistics.median(rates)

    if a.lang == "ko":
        per_character(sample, work, a.claim_share)
    coder_rate = coder_mbps()
    with learned.use(None):  # the rules alone: the coder before the learned stage, measured beside it
        rules_rate = coder_mbps()
    print(f"coder (median of 3): {coder_rate:.2f} MB/s with the learned stage, {rules_rate:.2f} MB/s rules "
          f"alone: {coder_rate / rules_rate:.2f}x (target >= 0.5x)")  # fmt: skip

    store = open_store(str(work / "bench.db"))
    checkpoints: list[tuple[int, float]] = []
    done = 0

    def on_result(_r) -> None:  # noqa: ANN001
        nonlocal done
        done += 1
        if done % max(1, a.docs // 10) == 0:
            checkpoints.append((done, rss_mb()))

    t = time.perf_counter()
    report = ingest_paths(store, [corpus], originals=work / "originals", jobs=a.jobs, on_result=on_result)
    wall = time.perf_counter() - t
    store.close()
    mbps = total_bytes / 1e6 / wall
    n_claims = sum(r.claims for r in report.results)
    print(f"ingest+extract: {wall:.1f}s wall, jobs={a.jobs}, {report.count('added')} added, "
          f"{len(report.failed)} failed, {n_claims} claims ({n_claims / (total_bytes / 1e3):.2f} per KB; "
          f"the sample corpus's whole documents: {sample_density():.2f} per KB)")  # fmt: skip
    print(f"  throughput: {mbps:.2f} MB/s, {a.docs / wall:.0f} docs/s")
    print(f"  per core:   {mbps / a.jobs:.2f} MB/s, {a.docs / wall / a.jobs:.0f} docs/s")
    print(f"  coder alone (median of 3, same process): {coder_rate:.2f} MB/s; "
          f"ingest/coder ratio {mbps / a.jobs / coder_rate:.2f}")
    print("  resident memory (MB) after each tenth: " + ", ".join(f"{n}:{m:.0f}" for n, m in checkpoints))
    grow = checkpoints[-1][1] - checkpoints[0][1] if len(checkpoints) > 1 else 0.0
    print(f"  growth from first to last checkpoint: {grow:+.0f} MB; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")  # fmt: skip
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
