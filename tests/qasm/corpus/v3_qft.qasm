OPENQASM 3.0;
include "stdgates.inc";
gate qft3 a, b, c {
  h c;
  ctrl @ p(π/2) b, c;
  ctrl @ p(π/4) a, c;
  h b;
  ctrl @ p(π/2) a, b;
  h a;
  swap a, c;
}
qubit[3] q;
qft3 q[0], q[1], q[2];
