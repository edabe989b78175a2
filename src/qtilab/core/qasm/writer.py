def dumps(*a, **k): raise NotImplementedError
def dump(*a, **k): raise NotImplementedError
