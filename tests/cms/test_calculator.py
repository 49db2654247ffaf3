"""The benefits calculator page: figures in, estimated support out; bad input never breaks the page."""

import pytest

pytestmark = pytest.mark.usefixtures("site")


def test_blank_page_shows_the_form_and_no_estimate(client):
    response = client.get("/en/calculator/")
    assert response.status_code == 200
    assert response.context["estimate"] is None
    assert 'name="annual_rent"' in response.content.decode()


def test_valid_figures_show_the_hand_computed_rent_relief(client):
    # rent relief: year 1 100%, years 2-3 50% of ¥120,000 -> ¥120,000 + ¥60,000 + ¥60,000 = ¥240,000
    response = client.get("/en/calculator/", {"annual_rent": "120000"})
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["estimate"] is not None
    row = body[body.index("<th scope=\"row\">Rent relief</th>"):]
    row = row[:row.index("</tr>")]
    assert "¥120,000.00" in row
    assert "¥240,000.00" in row
    zh = client.get("/zh-hans/calculator/", {"annual_rent": "120,000"}).content.decode()
    assert "¥240,000.00" in zh


def test_tracking_parameters_alone_do_not_bind_the_form(client):
    response = client.get("/en/calculator/", {"utm_source": "newsletter"})
    assert response.status_code == 200
    assert not response.context["form"].is_bound
    assert "errorlist" not in response.content.decode()


@pytest.mark.parametrize(("params", "message"), [
    ({"annual_rent": "-5"}, "Enter zero or a positive amount."),
    ({"annual_rent": "lots"}, "Enter an amount in yuan using digits only"),
    ({"annual_rent": "1e30"}, "Enter an amount up to 1,000,000,000,000"),
    ({"orders_per_year": "99999999999999999999"}, "Enter at most 1,000,000,000 orders a year."),
    ({"category": "999999"}, "Choose one of the listed categories."),
])
def test_bad_input_shows_the_field_message(client, params, message):
    response = client.get("/en/calculator/", params)
    assert response.status_code == 200
    assert response.context["estimate"] is None
    body = response.content.decode()
    assert message in body
    field = next(iter(params))
    assert f'id="id_{field}_errors"' in body


def test_bad_input_in_chinese_keeps_the_page(client):
    response = client.get("/zh-hans/calculator/", {"annual_rent": "-1", "training_fees": "abc"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_annual_rent_errors"' in body and 'id="id_training_fees_errors"' in body
