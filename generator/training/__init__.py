"""``build.py train-captioner``: a captioner of one's own, as Electric Speech trained its im2txt on its own data.

The image side is the offline EfficientNet-Lite0, frozen: its 1280-d pooled features (the map's embeddings,
from the same cache) are the decoder's memory. The language side is a small transformer decoder trained from
scratch (no decoder weights ship offline). Modules, in the order a run uses them:

* :mod:`.dataset`  - COCO-format captions or the archive's descriptions, validated; the vocabulary;
* :mod:`.features` - the frozen CNN's features per image, through the cache;
* :mod:`.decoder`  - the decoder network and its greedy/beam generation (torch);
* :mod:`.trainer`  - batches, checkpoints to resume from, progress with loss and ETA;
* :mod:`.evaluate` - CIDEr on a held-out split, against nearest-neighbour and shuffled baselines;
* :mod:`.command`  - the command line.

The saved folder (``config.json``, ``vocab.txt``, ``model.pt``, ``metrics.json``) is what
``--captioner trained:<dir>`` loads (:mod:`generator.captions.trained`).
"""
