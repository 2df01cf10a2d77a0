"""Fuzz the readers and the testimony path: any bytes must give a Document or a clear ReadError/VaultError.

    python bench/fuzz_ingest.py [--minutes 3]

Inputs are mutations of real seed files of every format (sample corpus, a generated PDF and DOCX) and
random bytes, under every file extension. Anything else raised is a crash: printed with the input's
size and a hash, and saved under bench/out/fuzz/ to become a regression test.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import random
import time
import traceback
from pathlib import Path

from nkwatch.ingest.readers import ReadError, read_document

ROOT = Path(__file__).resolve().parents[1]
EXTS = [".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".bin", ""]


def seeds() -> list[tuple[str, bytes]]:
    out = [(p.name, p.read_bytes()) for p in sorted((ROOT / "nkwatch/data/sample").iterdir())
           if not p.name.endswith(".json") and p.is_file()]  # fmt: skip
    try:
        from reportlab.pdfgen import canvas

        buf = io.BytesIO()
        c = canvas.Canvas(buf)
        c.drawString(72, 720, "In April 2024, 60 people were forcibly repatriated from China.")
        c.showPage()
        c.save()
        out.append(("seed.pdf", buf.getvalue()))
    except ImportError:
        pass
    import docx

    d = docx.Document()
    d.add_paragraph("Security agents publicly executed three people in Hyesan in 2023.")
    buf = io.BytesIO()
    d.save(buf)
    out.append(("seed.docx", buf.getvalue()))
    return out


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        op = rng.random()
        pos = rng.randrange(len(b) + 1)
        if op < 0.4 and b:
            b[min(pos, len(b) - 1)] = rng.randrange(256)
        elif op < 0.6:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif op < 0.8 and b:
            del b[pos:pos + rng.randint(1, 256)]
        else:
            b = b[: rng.randrange(len(b) + 1)]  # truncation: the commonest real damage
    return bytes(b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng, pool = random.Random(a.seed), seeds()
    crashes: dict[str, str] = {}
    runs = clear = 0
    slowest = (0.0, "")
    end = time.monotonic() + a.minutes * 60
    out = ROOT / "bench/out/fuzz"
    while time.monotonic() < end:
        name, data = rng.choice(pool)
        data = mutate(rng, data) if rng.random() < 0.9 else rng.randbytes(rng.randint(0, 4096))
        ext = Path(name).suffix if rng.random() < 0.7 else rng.choice(EXTS)
        t = time.perf_counter()
        try:
            read_document("fuzz" + ext, data)
        except ReadError:
            clear += 1
        except Exception as e:  # a crash: anything but the reader's own clear error
            key = f"{type(e).__name__}: {str(e)[:80]}"
            if key not in crashes:
                out.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256(data).hexdigest()[:12]
                (out / f"crash-{digest}{ext}").write_bytes(data)
                crashes[key] = f"{ext} {len(data)} bytes sha256 {digest}\n{traceback.format_exc(limit=3)}"
        took = time.perf_counter() - t
        slowest = max(slowest, (took, f"{ext} {len(data)} bytes"))
        runs += 1
    print(f"{runs} inputs in {a.minutes:.1f} min; {clear} refused with a clear error; "
          f"{len(crashes)} distinct crashes; slowest input {slowest[0] * 1000:.0f} ms ({slowest[1]})")
    for k, v in crashes.items():
        print(f"- {k}\n  {v}")


if __name__ == "__main__":
    main()
