"""The bioinformatics functions BioCode asks for: signature, description, reference and test inputs.

Each ``BioFunction`` has a reference implementation (plain Python, no imports outside its body, so
its source is also what the expert submits) and a generator of hidden test inputs drawn from the
episode's ``np_random``: a submission has to compute the function, it cannot have memorised cases.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BASES = "ACGT"
STOPS = ("TAA", "TAG", "TGA")


def reverse_complement(seq):
    pairs = {"A": "T", "T": "A", "C": "G", "G": "C", "N": "N"}
    return "".join(pairs[base] for base in reversed(seq))


def gc_content(seq):
    if not seq:
        return 0.0
    upper = seq.upper()
    return (upper.count("G") + upper.count("C")) / len(seq)


def transcribe(seq):
    return seq.replace("T", "U")


def translate(seq):
    bases = "TCAG"
    amino = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
    table = {
        a + b + c: amino[16 * i + 4 * j + k]
        for i, a in enumerate(bases)
        for j, b in enumerate(bases)
        for k, c in enumerate(bases)
    }
    protein = []
    for start in range(0, len(seq) - 2, 3):
        residue = table[seq[start : start + 3]]
        if residue == "*":
            break
        protein.append(residue)
    return "".join(protein)


def kmer_counts(seq, k):
    counts = {}
    for start in range(len(seq) - k + 1):
        kmer = seq[start : start + k]
        counts[kmer] = counts.get(kmer, 0) + 1
    return counts


def hamming_distance(first, second):
    return sum(1 for a, b in zip(first, second) if a != b)


def find_orfs(seq):
    bases = "TCAG"
    amino = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
    table = {
        a + b + c: amino[16 * i + 4 * j + k]
        for i, a in enumerate(bases)
        for j, b in enumerate(bases)
        for k, c in enumerate(bases)
    }
    proteins = []
    for start in range(len(seq) - 2):
        if seq[start : start + 3] != "ATG":
            continue
        protein = []
        for position in range(start, len(seq) - 2, 3):
            residue = table[seq[position : position + 3]]
            if residue == "*":
                proteins.append("".join(protein))
                break
            protein.append(residue)
    return proteins


def parse_fasta(text):
    records = {}
    name = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(">"):
            name = line[1:].split()[0] if line[1:].split() else ""
            records[name] = ""
        elif line and name is not None:
            records[name] += line
    return records


def count_nucleotides(seq):
    return tuple(seq.count(base) for base in "ACGT")


def motif_positions(seq, motif):
    return [i + 1 for i in range(len(seq) - len(motif) + 1) if seq[i : i + len(motif)] == motif]


def skew_minima(seq):
    skew, lowest, positions = 0, 0, [0]
    for index, base in enumerate(seq, start=1):
        skew += 1 if base == "G" else -1 if base == "C" else 0
        if skew < lowest:
            lowest, positions = skew, [index]
        elif skew == lowest:
            positions.append(index)
    return positions


def consensus(seqs):
    if not seqs:
        return ""
    return "".join(
        max("ACGT", key=lambda base: (column.count(base), -"ACGT".index(base))) for column in zip(*seqs)
    )


def melting_temperature(primer):
    upper = primer.upper()
    return 2 * (upper.count("A") + upper.count("T")) + 4 * (upper.count("G") + upper.count("C"))


@dataclass(frozen=True)
class BioFunction:
    """A function to implement: its signature and description as the agent sees them, the reference,
    an example call shown with its result, and the generator of hidden test inputs."""

    name: str
    signature: str
    description: str
    reference: Callable[..., object]
    example: tuple
    draw_cases: Callable[[np.random.Generator], list[list]]

    @property
    def source(self) -> str:
        """The reference's source: what the expert submits."""
        return inspect.getsource(self.reference).replace("", "")


def _dna(rng: np.random.Generator, low: int, high: int) -> str:
    return "".join(BASES[int(i)] for i in rng.integers(0, 4, size=int(rng.integers(low, high + 1))))


def _sequences(rng: np.random.Generator, count: int, low: int = 1, high: int = 60) -> list[list]:
    return [[_dna(rng, low, high)] for _ in range(count)]


def _with_orfs(rng: np.random.Generator) -> str:
    """DNA with start and stop codons planted, so that it holds open reading frames."""
    parts = []
    for _ in range(int(rng.integers(2, 6))):
        parts.append(_dna(rng, 0, 8))
        parts.append("ATG" if rng.random() < 0.6 else STOPS[int(rng.integers(3))])
        parts.append("".join(BASES[int(i)] for i in rng.integers(0, 4, size=3 * int(rng.integers(0, 5)))))
        parts.append(STOPS[int(rng.integers(3))])
    return "".join(parts)


def _fasta(rng: np.random.Generator) -> str:
    lines = []
    for number in range(int(rng.integers(1, 5))):
        name = f"seq_{int(rng.integers(1000, 9999))}_{number}"
        lines.append(f">{name} sample {int(rng.integers(1, 99))}" if rng.random() < 0.5 else f">{name}")
        sequence = _dna(rng, 0, 70)
        width = int(rng.integers(10, 30))
        lines.extend(sequence[i : i + width] for i in range(0, len(sequence), width))
        if rng.random() < 0.3:
            lines.append("")
    return "\n".join(lines) + ("\n" if rng.random() < 0.5 else "")


def _mutated(rng: np.random.Generator, seq: str) -> str:
    return "".join(BASES[int(rng.integers(4))] if rng.random() < 0.3 else base for base in seq)


def _motif_case(rng: np.random.Generator) -> list:
    seq = _dna(rng, 10, 60)
    if rng.random() < 0.3:
        seq = seq + seq[: int(rng.integers(2, 6))] * 3  # repeats, for overlapping hits
    if rng.random() < 0.7:
        start = int(rng.integers(0, len(seq) - 1))
        motif = seq[start : start + int(rng.integers(1, 5))]
    else:
        motif = _dna(rng, 2, 4)
    return [seq, motif]


def _profile_case(rng: np.random.Generator) -> list:
    length = int(rng.integers(1, 15))
    return [[_dna(rng, length, length) for _ in range(int(rng.integers(1, 7)))]]


CASES_PER_TASK = 10

FUNCTIONS: dict[str, BioFunction] = {
    f.name: f
    for f in (
        BioFunction(
            "reverse_complement",
            "def reverse_complement(seq: str) -> str",
            "Return the reverse complement of the DNA sequence seq (upper-case A, C, G, T, and N, which "
            "pairs with N).",
            reverse_complement,
            ("AACGTN",),
            lambda rng: (
                [["" if rng.random() < 0.2 else _dna(rng, 1, 5) + "N" + _dna(rng, 0, 5)]]
                + _sequences(rng, CASES_PER_TASK - 1)
            ),
        ),
        BioFunction(
            "gc_content",
            "def gc_content(seq: str) -> float",
            "Return the fraction (between 0 and 1) of the letters of the DNA sequence seq that are G or C, "
            "in either case; 0.0 for an empty sequence.",
            gc_content,
            ("ATGCgc",),
            lambda rng: [[""], [_dna(rng, 1, 20).lower()]] + _sequences(rng, CASES_PER_TASK - 2),
        ),
        BioFunction(
            "transcribe",
            "def transcribe(seq: str) -> str",
            "Transcribe the DNA sequence seq (upper case) into RNA: every T becomes U.",
            transcribe,
            ("GATGGAACTTGACTACGTAAATT",),
            lambda rng: [[""]] + _sequences(rng, CASES_PER_TASK - 1),
        ),
        BioFunction(
            "translate",
            "def translate(seq: str) -> str",
            "Translate the DNA sequence seq (upper case) into a protein with the standard genetic code, "
            "one-letter amino-acid codes, reading codons from the first base. Stop before the first stop "
            "codon (TAA, TAG, TGA), which is not included; ignore an incomplete codon at the end.",
            translate,
            ("ATGGCCATTGTAATGGGCCGCTGAAAGGGTGCCCGATAG",),
            lambda rng: [[_dna(rng, 0, 2)]] + [[_with_orfs(rng)] for _ in range(3)] + _sequences(rng, 6),
        ),
        BioFunction(
            "kmer_counts",
            "def kmer_counts(seq: str, k: int) -> dict[str, int]",
            "Return a dict mapping every k-mer (substring of length k, overlapping) of seq to how many "
            "times it occurs; an empty dict when seq is shorter than k.",
            kmer_counts,
            ("ACGTACG", 3),
            lambda rng: (
                [[_dna(rng, 0, 4), 5]]
                + [[_dna(rng, 1, 40), int(rng.integers(1, 5))] for _ in range(CASES_PER_TASK - 1)]
            ),
        ),
        BioFunction(
            "hamming_distance",
            "def hamming_distance(first: str, second: str) -> int",
            "Return the number of positions at which the two equally long sequences differ.",
            hamming_distance,
            ("GAGCCTACTAACGGGAT", "CATCGTAATGACGGCCT"),
            lambda rng: [[s, _mutated(rng, s)] for s in (_dna(rng, 0, 50) for _ in range(CASES_PER_TASK))],
        ),
        BioFunction(
            "find_orfs",
            "def find_orfs(seq: str) -> list[str]",
            "Find the open reading frames of the DNA sequence seq on its forward strand: every ATG, in any "
            "frame, followed in its frame by a stop codon (TAA, TAG, TGA). Return the protein each encodes "
            "(standard genetic code, from the M up to, not including, the stop), ordered by the position "
            "of the ATG; an ATG with no stop after it in frame gives nothing.",
            find_orfs,
            ("CCATGAAATGCCCTAGTGATGTT",),
            lambda rng: [[_dna(rng, 0, 5)]] + [[_with_orfs(rng)] for _ in range(CASES_PER_TASK - 1)],
        ),
        BioFunction(
            "parse_fasta",
            "def parse_fasta(text: str) -> dict[str, str]",
            "Parse FASTA text: each record starts with a '>' line whose first word (after '>') is its id; "
            "the following lines, stripped of white space and joined, are its sequence. Return a dict id "
            "-> sequence. Blank lines are ignored.",
            parse_fasta,
            (">seq1 human\nACGT\nAC\n>seq2\nGG\n",),
            lambda rng: [[_fasta(rng)] for _ in range(CASES_PER_TASK)],
        ),
        BioFunction(
            "count_nucleotides",
            "def count_nucleotides(seq: str) -> tuple[int, int, int, int]",
            "Return how many times A, C, G and T occur in the DNA sequence seq, as a tuple in that order.",
            count_nucleotides,
            ("AGCTTTTCATTCTGACTGCA",),
            lambda rng: [[""]] + _sequences(rng, CASES_PER_TASK - 1),
        ),
        BioFunction(
            "motif_positions",
            "def motif_positions(seq: str, motif: str) -> list[int]",
            "Return the 1-based start positions of every occurrence of motif in seq, overlapping ones "
            "included, in increasing order.",
            motif_positions,
            ("GATATATGCATATACTT", "ATAT"),
            lambda rng: [_motif_case(rng) for _ in range(CASES_PER_TASK)],
        ),
        BioFunction(
            "skew_minima",
            "def skew_minima(seq: str) -> list[int]",
            "The skew of a prefix of seq is its number of G minus its number of C. Return every i "
            "(0 <= i <= len(seq)) where the skew of seq[:i] is smallest, in increasing order.",
            skew_minima,
            (
                "CCTATCGGTGGATTAGCATGTCCCTGTACGTTTCGCCGCGAACTAGTTCACACGGCTTGATGGCAAATGGTTTTTCCGGCGACCGTAATCGTCCACCGAG",
            ),
            lambda rng: [[""]] + _sequences(rng, CASES_PER_TASK - 1),
        ),
        BioFunction(
            "consensus",
            "def consensus(seqs: list[str]) -> str",
            "Given equally long DNA sequences, return their consensus: at each position the most common "
            "base, ties broken by the order A, C, G, T; an empty string for no sequences.",
            consensus,
            (["ATCCAGCT", "GGGCAACT", "ATGGATCT", "AAGCAACC", "TTGGAACT", "ATGCCATT", "ATGGCACT"],),
            lambda rng: [[[]]] + [_profile_case(rng) for _ in range(CASES_PER_TASK - 1)],
        ),
        BioFunction(
            "melting_temperature",
            "def melting_temperature(primer: str) -> int",
            "Return the melting temperature of a short primer by the Wallace rule: 2 degrees for each A or "
            "T and 4 for each G or C (letters in either case).",
            melting_temperature,
            ("ACGTacgtGG",),
            lambda rng: [
                [_dna(rng, 0, 25).lower() if rng.random() < 0.3 else _dna(rng, 0, 25)]
                for _ in range(CASES_PER_TASK)
            ],
        ),
    )
}
