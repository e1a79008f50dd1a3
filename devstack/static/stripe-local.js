/* Local mode only: a stand-in for Stripe's Payment Element on top of localstripe's stripe.js, offering the calls
   shop.js makes on real Stripe — Stripe(pk).elements({clientSecret}).create('payment').mount(el) and
   stripe.confirmPayment({elements, redirect: 'if_required'}) — with labelled card fields and test cards. */
(function (global) {
  'use strict';
  var LocalStripe = global.Stripe;
  var de = (document.documentElement.lang || 'de') !== 'en';
  var L = de ? {number: 'Kartennummer', exp: 'Gültig bis (MM/JJ)', cvc: 'Prüfnummer (CVC)',
                note: 'Testmodus (localstripe): Testkarte 4242 4242 4242 4242, beliebiges künftiges Datum, beliebige CVC.',
                incomplete: 'Bitte die Kartendaten vollständig eingeben.', legend: 'Kartenzahlung'}
             : {number: 'Card number', exp: 'Expiry (MM/YY)', cvc: 'Security code (CVC)',
                note: 'Test mode (localstripe): test card 4242 4242 4242 4242, any future date, any CVC.',
                incomplete: 'Please complete the card details.', legend: 'Card payment'};

  function field(id, label, attrs) {
    var wrap = document.createElement('div');
    wrap.className = 'sp-field';
    var l = document.createElement('label');
    l.setAttribute('for', id); l.textContent = label;
    var input = document.createElement('input');
    input.id = id; input.type = 'text'; input.inputMode = 'numeric'; input.required = true;
    Object.keys(attrs).forEach(function (k) { input.setAttribute(k, attrs[k]); });
    wrap.appendChild(l); wrap.appendChild(input);
    return {wrap: wrap, input: input};
  }

  function PaymentElement() { this.inputs = null; this.listeners = {}; }
  PaymentElement.prototype.mount = function (target) {
    var root = typeof target === 'string' ? document.querySelector(target) : target;
    var set = document.createElement('fieldset');
    set.className = 'sp-element';
    var legend = document.createElement('legend'); legend.textContent = L.legend; set.appendChild(legend);
    var number = field('sp-number', L.number, {autocomplete: 'cc-number', maxlength: '23', placeholder: '4242 4242 4242 4242'});
    var exp = field('sp-exp', L.exp, {autocomplete: 'cc-exp', maxlength: '7', placeholder: 'MM/JJ'.replace('JJ', de ? 'JJ' : 'YY')});
    var cvc = field('sp-cvc', L.cvc, {autocomplete: 'cc-csc', maxlength: '4', placeholder: '123'});
    var row = document.createElement('div'); row.className = 'sp-row';
    row.appendChild(exp.wrap); row.appendChild(cvc.wrap);
    set.appendChild(number.wrap); set.appendChild(row);
    var note = document.createElement('p'); note.className = 'sp-note'; note.textContent = L.note; set.appendChild(note);
    root.textContent = '';
    root.appendChild(set);
    this.inputs = {number: number.input, exp: exp.input, cvc: cvc.input};
    var self = this;
    (self.listeners.ready || []).forEach(function (fn) { fn({elementType: 'payment'}); });
    return this;
  };
  PaymentElement.prototype.on = function (name, fn) { (this.listeners[name] = this.listeners[name] || []).push(fn); return this; };
  PaymentElement.prototype.unmount = function () { this.inputs = null; };
  PaymentElement.prototype.destroy = PaymentElement.prototype.unmount;
  PaymentElement.prototype.card = function () {
    if (!this.inputs) return null;
    var exp = this.inputs.exp.value.replace(/\s/g, '').split('/');
    return {number: this.inputs.number.value.replace(/\D/g, ''), exp_month: parseInt(exp[0], 10) || 0,
            exp_year: parseInt(exp[1], 10) || 0, cvc: this.inputs.cvc.value.replace(/\D/g, '')};
  };

  function luhn(number) {
    var sum = 0;
    for (var i = 0; i < number.length; i++) {
      var d = parseInt(number.charAt(number.length - 1 - i), 10);
      if (i % 2) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return sum % 10 === 0;
  }
  /* The checks stripe.js makes before anything is sent, with Stripe's own validation codes. */
  function validate(card) {
    if (!card || card.number.length < 16) return 'incomplete_number';
    if (!luhn(card.number)) return 'invalid_number';
    if (!card.exp_month || !card.exp_year) return 'incomplete_expiry';
    if (card.exp_month > 12) return 'invalid_expiry_month';
    var year = card.exp_year < 100 ? 2000 + card.exp_year : card.exp_year;
    var now = new Date();
    if (year < now.getFullYear()) return 'invalid_expiry_year_past';
    if (year === now.getFullYear() && card.exp_month < now.getMonth() + 1) return 'invalid_expiry_month_past';
    if (card.cvc.length < 3) return 'incomplete_cvc';
    return null;
  }

  global.Stripe = function (publishableKey) {
    var local = LocalStripe ? LocalStripe(publishableKey) : {};
    return {
      _local: true,
      elements: function (options) {
        var element = null;
        return {
          _clientSecret: (options || {}).clientSecret,
          create: function (type) {
            if (type !== 'payment') throw new Error('stand-in supports the Payment Element only');
            element = new PaymentElement();
            return element;
          },
          getElement: function () { return element; },
          submit: function () { return Promise.resolve({}); }
        };
      },
      confirmPayment: function (args) {
        var elements = args.elements;
        var card = elements.getElement() && elements.getElement().card();
        var invalid = validate(card);
        if (invalid) return Promise.resolve({error: {type: 'validation_error', code: invalid, message: L.incomplete}});
        return fetch('/stripe-local/confirm', {
          method: 'POST', headers: {'Content-Type': 'application/json'},
          body: JSON.stringify({client_secret: elements._clientSecret, card: card})
        }).then(function (r) { return r.json(); }).then(function (answer) {
          if (answer.requiresAction && local.confirmCardPayment) {
            return local.confirmCardPayment(elements._clientSecret);  // localstripe's own 3-D Secure modal
          }
          if (answer.error && answer.error.message) return {error: answer.error};
          return answer;
        });
      }
    };
  };
})(window);
