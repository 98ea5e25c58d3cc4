from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from gmmexact.model.errors import InputError
from gmmexact.model.problem import Component, Problem, from_dict, load

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed" / "problem.toml"

# The seed problem; tests below replace one line of it to make it bad.
GOOD = """\
[data]
variables = ["height", "weight"]
labels = ["A", "B", "C", "D", "E", "F"]
points = [[160, 55], [165, 60], [170, 65], [180, 75], [185, 80], [190, 85]]

[[components]]
name = "women"
mean = [162, 57]
covariance = [[10, 0], [0, 10]]
weight = 0.5

[[components]]
name = "men"
mean = [185, 80]
covariance = [[10, 0], [0, 10]]
weight = 0.5
"""

ONE_D = """\
[data]
points = [1, 2.5, "1/3", [4]]

[[components]]
mean = 1
covariance = 2
weight = "1/3"

[[components]]
mean = [3]
covariance = [[0.5]]
weight = "2/3"
"""


def write(tmp_path, text, name="problem.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(old, new, text=GOOD, count=1):
    assert old in text, old
    return text.replace(old, new, count)


def error(tmp_path, text, **kwargs) -> str:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load(path, **kwargs)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    return message


def F(*values):
    return tuple(Fraction(v) for v in values)


# --- accepted input -------------------------------------------------------------------------------

def check_seed(p: Problem):
    assert (p.n, p.d, p.K) == (6, 2, 2)
    assert p.variables == ("height", "weight")
    assert p.labels == tuple("ABCDEF")
    assert p.points[3] == F(180, 75)
    assert p.component_names == ("women", "men")
    women, men = p.components
    assert women == Component("women", F(162, 57), (F(10, 0), F(0, 10)), Fraction(1, 2))
    assert men.mean == F(185, 80) and men.weight == Fraction(1, 2)
    assert p.covariance_type == "full"
    assert all(type(x) is Fraction for row in p.points for x in row)


def test_seed_example_file():
    p = load(SEED)
    check_seed(p)
    assert p.source == str(SEED)


def test_seed_inline(tmp_path):
    check_seed(load(write(tmp_path, GOOD)))


def test_problem_is_frozen_and_hashable():
    p = load(SEED)
    with pytest.raises(AttributeError):
        p.labels = ()
    assert hash(p) == hash(load(SEED))


def test_one_dimensional_shorthand(tmp_path):
    p = load(write(tmp_path, ONE_D))
    assert p.d == 1 and p.n == 4
    assert p.points == (F(1), F("5/2"), F("1/3"), F(4))
    assert p.variables == ("x",)
    assert p.labels == ("x1", "x2", "x3", "x4")
    assert p.component_names == ("1", "2")
    assert [c.mean for c in p.components] == [F(1), F(3)]
    assert [c.covariance for c in p.components] == [(F(2),), (F("1/2"),)]
    assert [c.weight for c in p.components] == [Fraction(1, 3), Fraction(2, 3)]


def test_defaults_for_labels_names_variables(tmp_path):
    text = edit('variables = ["height", "weight"]\nlabels = ["A", "B", "C", "D", "E", "F"]\n', "")
    text = edit('name = "women"\n', "", text)
    p = load(write(tmp_path, text))
    assert p.variables == ("v1", "v2")
    assert p.labels == ("x1", "x2", "x3", "x4", "x5", "x6")
    assert p.component_names == ("1", "men")


def test_weights_as_strings_and_covariance_type(tmp_path):
    text = 'covariance_type = "full"\n' + edit("weight = 0.5", 'weight = "1/4"')
    text = edit("weight = 0.5", "weight = 0.75", text)
    assert [c.weight for c in load(write(tmp_path, text)).components] == [Fraction(1, 4), Fraction(3, 4)]


def test_normalize_weights(tmp_path):
    text = edit("weight = 0.5", "weight = 0.6")  # sum 11/10
    p = load(write(tmp_path, text), normalize_weights=True)
    assert [c.weight for c in p.components] == [Fraction(6, 11), Fraction(5, 11)]
    assert sum(c.weight for c in p.components) == 1


def test_from_dict_with_decimals():
    doc = {"data": {"points": [[Decimal("0.1"), 1], ["1/3", "2e-1"]]},
           "components": [{"mean": ["0", "0"], "covariance": [["1/2", 0], [0, Decimal("0.5")]], "weight": 1}]}
    p = from_dict(doc)
    assert p.points == (F("1/10", 1), F("1/3", "1/5"))
    assert p.components[0].covariance == (F("1/2", 0), F(0, "1/2"))
    assert p.source == "<memory>"


def test_from_arrays():
    p = Problem.from_arrays([[0, 0], [1, 1], [3, 3]], means=[[0, 0], ["3", "3"]],
                            covariances=[[[1, 0], [0, 1]], [[2, 1], [1, 2]]], weights=[Fraction(1, 2), Decimal("0.5")],
                            labels=["a", "b", "c"], names=["lo", "hi"], variables=["x", "y"])
    assert p.component_names == ("lo", "hi") and p.labels == ("a", "b", "c") and p.variables == ("x", "y")
    assert p.components[1].covariance == (F(2, 1), F(1, 2))


def test_from_arrays_numpy_integers_and_float_rejection():
    np = pytest.importorskip("numpy")
    p = Problem.from_arrays(np.array([[0, 0], [2, 2]]), [np.array([1, 1])], [np.eye(2, dtype=int)], [1])
    assert p.points == (F(0, 0), F(2, 2))
    with pytest.raises(InputError, match=r"data\.points\[0\]\[0\]: is the binary float 0\.0"):
        Problem.from_arrays(np.zeros((2, 2)), [[0, 0]], [[[1, 0], [0, 1]]], [1])


def test_from_arrays_count_mismatch():
    with pytest.raises(InputError, match="got 2 means, 1 covariances, 2 weights"):
        Problem.from_arrays([1, 2], [1, 2], [1], ["1/2", "1/2"])


# --- file-level errors ----------------------------------------------------------------------------

def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(InputError, match="file not found") as info:
        load(path)
    assert str(path) in str(info.value)


def test_directory_is_unreadable(tmp_path):
    with pytest.raises(InputError, match="cannot read the file"):
        load(tmp_path)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[data]\nlabels = ["\xe9"]\n')
    with pytest.raises(InputError, match="not UTF-8"):
        load(path)


def test_toml_syntax_error_has_line_and_column(tmp_path):
    message = error(tmp_path, edit("weight = 0.5", "weight = 0.5.5"))
    assert "line 10, column" in message and "invalid TOML" in message


# --- structural errors ----------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, fragments", [
    ("[data]", "[dta]", ["dta: unknown key 'dta'", "did you mean 'data'", "data, components, covariance_type"]),
    ("labels =", "label =", ["data.label: unknown key", "did you mean 'labels'"]),
    ('name = "women"', 'nmae = "women"', ["components[0].nmae", "did you mean 'name'", "mean, covariance"]),
    ("weight = 0.5", "wieght = 0.5", ["components[0] (women).wieght", "did you mean 'weight'"]),
    ("[data]", 'covariance_type = "dag"\n[data]', ["covariance_type", "'dag'", '"diag"']),
    ("[data]", 'covariance_type = "banana"\n[data]', ["covariance_type: is the string 'banana'", '"full"']),
    ("points = [[160", "pts = [[160", ["data.pts: unknown key", "did you mean 'points'"]),
])
def test_key_errors(tmp_path, old, new, fragments):
    message = error(tmp_path, edit(old, new))
    for fragment in fragments:
        assert fragment in message


def test_missing_data_table(tmp_path):
    text = GOOD[GOOD.index("[[components]]"):]
    assert "data: is missing; expected a [data] table" in error(tmp_path, text)


def test_missing_points(tmp_path):
    text = edit("points = [[160, 55], [165, 60], [170, 65], [180, 75], [185, 80], [190, 85]]\n", "")
    text = edit('labels = ["A", "B", "C", "D", "E", "F"]\n', "", text)
    assert "data.points: is missing" in error(tmp_path, text)


def test_empty_points(tmp_path):
    text = edit('labels = ["A", "B", "C", "D", "E", "F"]\n', "")
    text = edit("[[160, 55], [165, 60], [170, 65], [180, 75], [185, 80], [190, 85]]", "[]", text)
    assert "data.points: is empty; expected at least one point" in error(tmp_path, text)


def test_no_components(tmp_path):
    text = GOOD[:GOOD.index("[[components]]")]
    assert "components: is missing (no [[components]] tables)" in error(tmp_path, text)


def test_component_missing_field(tmp_path):
    message = error(tmp_path, edit("covariance = [[10, 0], [0, 10]]\n", ""))
    assert "components[0] (women).covariance: is missing" in message


# --- shapes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, fragments", [
    ("[180, 75]", "[180, 75, 1]", ["data.points[3]: has 3 coordinates", "2 coordinates (d = 2, set by data.points[0])"]),
    ("[180, 75]", "180", ["data.points[3]: is the number 180", "a list of 2 coordinates"]),
    ("mean = [185, 80]", "mean = [185]", ["components[1] (men).mean: has 1 entries", "2 entries"]),
    ("covariance = [[10, 0], [0, 10]]", "covariance = [[10, 0, 0], [0, 10, 0]]",
     ["components[0] (women).covariance: has shape 2×3", "a 2×2 matrix"]),
    ("covariance = [[10, 0], [0, 10]]", "covariance = [[10, 0], [0]]",
     ["components[0] (women).covariance: has shape 2 rows of lengths [1, 2]"]),
    ("covariance = [[10, 0], [0, 10]]", "covariance = [10, 10]", ["covariance: is not a list of rows"]),
    ("covariance = [[10, 0], [0, 10]]", "covariance = 10", ["covariance: is the number 10", "a 2×2 matrix"]),
])
def test_shape_errors(tmp_path, old, new, fragments):
    message = error(tmp_path, edit(old, new))
    for fragment in fragments:
        assert fragment in message


def test_one_dimensional_shape_errors(tmp_path):
    message = error(tmp_path, edit("covariance = 2", "covariance = [2]", ONE_D))
    assert "components[0].covariance: is not a list of rows" in message and "a plain number (the variance)" in message
    message = error(tmp_path, edit("[4]", "[4, 5]", ONE_D))
    assert "data.points[3]: has 2 coordinates" in message and "d = 1" in message


# --- numbers --------------------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, field, hint", [
    ("[170, 65]", '[170, "abc"]', "data.points[2][1]", "not a number"),
    ("covariance = [[10, 0], [0, 10]]", "covariance = [[10, 0], [true, 10]]",
     "components[0] (women).covariance[1][0]", "boolean true"),
    ("mean = [162, 57]", 'mean = [162, "1/0"]', "components[0] (women).mean[1]", "division by zero"),
    ("weight = 0.5", "weight = nan", "components[0] (women).weight", "not a finite number"),
    ("weight = 0.5", 'weight = "inf"', "components[0] (women).weight", "not a finite number"),
    ("weight = 0.5", 'weight = ""', "components[0] (women).weight", "empty string"),
    ("weight = 0.5", "weight = [0.5]", "components[0] (women).weight", "is a list"),
])
def test_number_errors_have_exact_paths(tmp_path, old, new, field, hint):
    message = error(tmp_path, edit(old, new))
    assert f": {field}: " in message and hint in message


def test_toml_file_read_with_floats_is_never_silently_accepted():
    doc = {"data": {"points": [[0.5]]}, "components": [{"mean": 0, "covariance": 1, "weight": 1}]}
    with pytest.raises(InputError, match=r"data\.points\[0\]\[0\]: is the binary float 0\.5.*TOML decimals"):
        from_dict(doc, source="p.toml")


# --- names ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, fragments", [
    ('"E", "F"]', '"E"]', ["data.labels: has 5 entries", "6 (one per point, n = 6)"]),
    ('"E", "F"]', '"E", "A"]', ["data.labels[5]: duplicate label 'A' (also data.labels[0])", "unique labels"]),
    ('"E", "F"]', '"E", 6]', ["data.labels[5]: is the number 6", "a string"]),
    ('"E", "F"]', '"E", "F.1"]', ["data.labels[5]: 'F.1' contains '.'", "density.A.women"]),
    ('"E", "F"]', '"E", "F[1]"]', ["data.labels[5]: 'F[1]' contains '['"]),
    ('"E", "F"]', '"E", "  "]', ["data.labels[5]: is empty or whitespace-only"]),
    ('["height", "weight"]', '["height"]', ["data.variables: has 1 entries", "2 (one per coordinate, d = 2)"]),
    ('["height", "weight"]', '["h", "h"]', ["data.variables[1]: duplicate variable 'h'"]),
    ('["height", "weight"]', '["h", "w]"]', ["data.variables[1]: 'w]' contains ']'", "mean.women[0]"]),
    ('["height", "weight"]', '"height"', ["data.variables: is the string 'height'", "a list of 2 strings"]),
    ('name = "men"', 'name = "women"', ["components[1].name: duplicate component name 'women' (also components[0])"]),
    ('name = "men"', 'name = ""', ["components[1].name: is empty or whitespace-only"]),
    ('name = "men"', 'name = "m.en"', ["components[1].name: 'm.en' contains '.'"]),
    ('name = "men"', "name = 2", ["components[1].name: is the number 2"]),
])
def test_name_errors(tmp_path, old, new, fragments):
    message = error(tmp_path, edit(old, new))
    for fragment in fragments:
        assert fragment in message


def test_explicit_name_clashing_with_default(tmp_path):
    message = error(tmp_path, edit('name = "women"', 'name = "2"', edit('name = "men"\n', "")))
    assert "components[1].name: duplicate component name '2' (its default name" in message


# --- weights --------------------------------------------------------------------------------------

def test_weights_must_sum_to_one(tmp_path):
    message = error(tmp_path, edit("weight = 0.5", "weight = 0.6"))
    assert "components[*].weight: weights sum to 11/10 (3/5 + 1/2), not 1" in message
    assert "--normalize-weights" in message


@pytest.mark.parametrize("weight, fragments", [
    ("0", ["components[0] (women).weight: is 0", "no responsibility", "M-step is undefined", "a weight > 0"]),
    ('"-1/2"', ["components[0] (women).weight: is -1/2", "a weight > 0"]),
])
def test_weights_must_be_positive(tmp_path, weight, fragments):
    message = error(tmp_path, edit("weight = 0.5", f"weight = {weight}"), normalize_weights=True)
    for fragment in fragments:
        assert fragment in message


# --- covariance matrices --------------------------------------------------------------------------

@pytest.mark.parametrize("cov, fragments", [
    ("[[10, 1], [2, 10]]", ["components[1] (men).covariance: is not symmetric: [0][1] is 1 but [1][0] is 2"]),
    ("[[1, 1], [1, 1]]", ["components[1] (men).covariance: is singular (determinant 0), so not positive definite",
                          "leading minor 2 (the top-left 2×2 determinant) is 0"]),
    ("[[1, 2], [2, 1]]", ["is not positive definite: leading minor 2 (the top-left 2×2 determinant) is -3"]),
    ("[[-1, 0], [0, 1]]", ["leading minor 1 (the top-left 1×1 determinant) is -1", "every leading minor > 0"]),
    ("[[0, 1], [1, 0]]", ["is not positive definite: leading minor 1", "is 0"]),
    ('[["1/3", 0.6], [0.6, 1]]', ["is not positive definite: leading minor 2 (the top-left 2×2 determinant) is -2/75"]),
])
def test_covariance_must_be_symmetric_positive_definite(tmp_path, cov, fragments):
    text = GOOD.replace("covariance = [[10, 0], [0, 10]]", f"covariance = {cov}")
    text = text.replace(f"covariance = {cov}", "covariance = [[10, 0], [0, 10]]", 1)  # only 'men' is bad
    message = error(tmp_path, text)
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize("variance, fragment", [
    ("0", "is singular (determinant 0), so not positive definite: leading minor 1 (the variance) is 0"),
    ('"-1/2"', "is not positive definite: leading minor 1 (the variance) is -1/2"),
])
def test_one_dimensional_variance_must_be_positive(tmp_path, variance, fragment):
    message = error(tmp_path, edit("covariance = 2", f"covariance = {variance}", ONE_D))
    assert f"components[0].covariance: {fragment}" in message
