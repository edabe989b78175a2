// user gates with parameters calling user gates
OPENQASM 2.0;
include "qelib1.inc";
gate rot(a, b) q { rz(a) q; ry(b) q; rz(-a) q; }
gate ent(t) x, y { rot(t, t/2) x; cx x, y; rot(2*t, pi - t) y; }
gate twice(t) x, y { ent(t) x, y; ent(-t) y, x; }
qreg q[3];
twice(0.4) q[0], q[2];
ent(1.3) q[1], q[0];
