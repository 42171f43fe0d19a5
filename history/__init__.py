"""Days in a row: the state store under ``history.dir`` (:mod:`history.store`), the window a day is
scored over (:mod:`history.window`) and campaigns followed from day to day (:mod:`history.tracking`)."""
