/* The card page: Stripe's Card Element makes a token in the browser (card data never reaches our server); the
 * server confirms the PaymentIntent with it. When Stripe asks for 3-D Secure, stripe.confirmCardPayment(secret)
 * runs the authentication and the server reads the intent back. Works with Stripe.js and localstripe's stand-in. */
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form) { return; }
  var errors = document.getElementById("card-errors");
  var button = document.getElementById("card-pay");
  var working = document.getElementById("card-working");
  var data = form.dataset;

  function showError(message) {
    errors.textContent = message || data.msgGeneric;
    errors.hidden = false;
  }
  function busy(on) {
    button.disabled = on;
    working.hidden = !on;
    form.setAttribute("aria-busy", on ? "true" : "false");
  }
  if (typeof window.Stripe !== "function") {
    showError(data.msgStripe);
    button.disabled = true;
    return;
  }
  var stripe = window.Stripe(data.publishableKey, {locale: data.locale});
  var card = stripe.elements({locale: data.locale}).create("card", {hidePostalCode: true});
  card.mount("#card-element");

  function post(fields) {
    var body = new URLSearchParams(fields);
    body.append("csrfmiddlewaretoken", form.querySelector("input[name=csrfmiddlewaretoken]").value);
    return fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/json", "X-Requested-With": "fetch"}
    }).then(function (response) {
      return response.json().catch(function () { return {status: "error"}; });
    }, function () {
      return {status: "error", message: data.msgNetwork};
    });
  }

  function finish(answer) {
    if (answer.redirect) {
      window.location.assign(answer.redirect);
      return;
    }
    showError(answer.message);
    busy(false);
  }

  function handle(answer) {
    if (answer.status === "requires_action" && answer.client_secret) {
      return stripe.confirmCardPayment(answer.client_secret).then(function () {
        // whatever the browser says, the server reads the intent back from Stripe
        return post({action: "refresh"});
      }).then(function (after) {
        if (after.status === "requires_action") { after.message = after.message || data.msgAuth; }
        finish(after);
      });
    }
    finish(answer);
    return null;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button.disabled) { return; }
    errors.hidden = true;
    busy(true);
    stripe.createToken(card).then(function (result) {
      if (result.error || !result.token) {
        showError(result.error && result.error.message);
        busy(false);
        return null;
      }
      return post({action: "confirm", token: result.token.id}).then(handle);
    }).catch(function () {
      showError(data.msgGeneric);
      busy(false);
    });
  });
}());
