"""Factor 15, 21 and 35 with quantum order finding (Shor), checked against the true factors.

Run: python examples/algo_shor.py
"""

from qtilab.algorithms import shor

for N in (15, 21, 35):
    res = shor(N, seed=1)
    p, q = res.factors
    att = res.attempts[-1]
    print(f"N = {N}: {p} x {q} (check: {p * q == N}); base {att['a']}, order {att['order']} "
          f"(true order {att['true_order']}), {res.order_finding.n_qubits} qubits simulated")
