"""Figures published with the validation data sets (tests/data/validation/README.md),
typed in once so that every test compares with the same numbers."""

# callback-inter1 (R package `callback`, getting-started vignette): each group
# against Man.F over 310 offers: neither, only Man.F, only the group, both,
# exact McNemar p.
INTER1_PAIRS = {
    "Man.M": (204, 41, 20, 45, 9.8534e-03),
    "Man.S": (210, 57, 14, 29, 2.6659e-07),
    "Man.V": (213, 59, 11, 27, 4.4662e-09),
    "Woman.F": (197, 43, 27, 43, 7.2238e-02),
    "Woman.M": (214, 64, 10, 22, 8.9574e-11),
    "Woman.S": (213, 71, 11, 15, 6.8138e-12),
    "Woman.V": (199, 49, 25, 37, 7.0843e-03),
}
# Callbacks out of 310 offers per group.
INTER1_CALLBACKS = {
    "Man.F": 86, "Man.M": 65, "Man.S": 43, "Man.V": 38,
    "Woman.F": 70, "Woman.M": 32, "Woman.S": 26, "Woman.V": 62,
}
