"""QAOA for MaxCut on a random 3-regular graph, depth 1 to 3 with INTERP parameter transfer.

Run: python examples/algo_qaoa_maxcut.py [nodes]
"""

import sys

import networkx as nx

from qtilab.algorithms import qaoa_maxcut

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
g = nx.random_regular_graph(3, n, seed=1)
res = qaoa_maxcut(g, p=3, seed=1)
for layer in res.layers:
    print(f"p = {layer['p']}: <C> = {layer['expectation']:.4f}, ratio {layer['expectation'] / res.optimum:.4f}")
print(f"brute-force optimum {res.optimum}, P(optimal cut) at p = 3: {res.p_optimal:.3f}")
