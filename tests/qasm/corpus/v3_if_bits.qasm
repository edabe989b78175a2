OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
bit[3] c;
x q[0];
c[0] = measure q[0];
c[1] = measure q[1];
if (c[0] == 1) x q[1];
if (c[0]) { x q[2]; }
if (!c[1]) x q[0];
c = measure q;
