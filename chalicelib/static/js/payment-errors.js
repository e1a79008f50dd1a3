/* What a shopper reads when a payment does not go through: Stripe's error and decline codes in German (and English
   on the English page), each with what to do next. Stripe's own message is English and never shown as is.
   Codes: https://docs.stripe.com/declines/codes and https://docs.stripe.com/error-codes */
(function (global) {
  'use strict';
  var OTHER_CARD = {de: 'Bitte verwenden Sie eine andere Karte oder Zahlungsart.',
                    en: 'Please use another card or payment method.'};
  var BANK = {de: 'Bitte wenden Sie sich an Ihre Bank oder verwenden Sie eine andere Karte.',
              en: 'Please contact your bank or use another card.'};
  var AGAIN = {de: 'Bitte versuchen Sie es gleich noch einmal.', en: 'Please try again in a moment.'};
  // code -> [German, English]; the second sentence says what to do.
  var M = {
    card_declined: ['Ihre Karte wurde abgelehnt.', 'Your card was declined.', BANK],
    generic_decline: ['Ihre Karte wurde abgelehnt.', 'Your card was declined.', BANK],
    do_not_honor: ['Ihre Bank hat die Zahlung abgelehnt.', 'Your bank declined the payment.', BANK],
    insufficient_funds: ['Die Karte hat nicht genug Deckung für diesen Betrag.', 'The card does not have enough funds for this amount.', OTHER_CARD],
    withdrawal_count_limit_exceeded: ['Das Limit Ihrer Karte ist erreicht.', 'Your card has reached its limit.', OTHER_CARD],
    card_velocity_exceeded: ['Das Limit Ihrer Karte ist erreicht.', 'Your card has reached its limit.', OTHER_CARD],
    expired_card: ['Die Karte ist abgelaufen.', 'The card has expired.', OTHER_CARD],
    lost_card: ['Die Karte wurde abgelehnt.', 'The card was declined.', OTHER_CARD],
    stolen_card: ['Die Karte wurde abgelehnt.', 'The card was declined.', OTHER_CARD],
    pickup_card: ['Die Karte wurde abgelehnt.', 'The card was declined.', BANK],
    restricted_card: ['Diese Karte kann nicht verwendet werden.', 'This card cannot be used.', OTHER_CARD],
    fraudulent: ['Die Zahlung wurde abgelehnt.', 'The payment was declined.', OTHER_CARD],
    merchant_blacklist: ['Die Zahlung wurde abgelehnt.', 'The payment was declined.', OTHER_CARD],
    security_violation: ['Die Zahlung wurde abgelehnt.', 'The payment was declined.', BANK],
    transaction_not_allowed: ['Ihre Karte erlaubt diese Zahlung nicht.', 'Your card does not allow this payment.', BANK],
    not_permitted: ['Ihre Karte erlaubt diese Zahlung nicht.', 'Your card does not allow this payment.', BANK],
    card_not_supported: ['Diese Karte wird für diesen Kauf nicht unterstützt.', 'This card is not supported for this purchase.', OTHER_CARD],
    currency_not_supported: ['Ihre Karte unterstützt keine Zahlungen in Euro.', 'Your card does not support payments in euros.', OTHER_CARD],
    call_issuer: ['Ihre Bank hat die Zahlung abgelehnt.', 'Your bank declined the payment.', BANK],
    no_action_taken: ['Ihre Bank hat die Zahlung abgelehnt.', 'Your bank declined the payment.', BANK],
    revocation_of_authorization: ['Ihre Bank hat die Zahlung abgelehnt.', 'Your bank declined the payment.', BANK],
    stop_payment_order: ['Ihre Bank hat die Zahlung abgelehnt.', 'Your bank declined the payment.', BANK],
    invalid_account: ['Das Kartenkonto ist nicht gültig.', 'The card account is not valid.', OTHER_CARD],
    new_account_information_available: ['Die Kartendaten sind veraltet.', 'The card details are out of date.', OTHER_CARD],
    approve_with_id: ['Die Zahlung konnte nicht freigegeben werden.', 'The payment could not be authorised.', AGAIN],
    try_again_later: ['Die Zahlung konnte gerade nicht ausgeführt werden.', 'The payment could not be made just now.', AGAIN],
    issuer_not_available: ['Ihre Bank ist gerade nicht erreichbar.', 'Your bank cannot be reached right now.', AGAIN],
    reenter_transaction: ['Die Zahlung konnte nicht ausgeführt werden.', 'The payment could not be made.', AGAIN],
    processing_error: ['Bei der Verarbeitung der Karte ist ein Fehler aufgetreten.', 'An error occurred while processing the card.', AGAIN],
    duplicate_transaction: ['Eine gleiche Zahlung wurde gerade erst ausgeführt.', 'An identical payment was made just now.',
                            {de: 'Bitte prüfen Sie Ihre E-Mails, bevor Sie erneut zahlen.', en: 'Please check your e-mail before paying again.'}],
    testmode_decline: ['Das ist eine Testkarte; echte Zahlungen gehen damit nicht.', 'This is a test card; it cannot make real payments.', OTHER_CARD],
    live_mode_test_card: ['Das ist eine Testkarte; echte Zahlungen gehen damit nicht.', 'This is a test card; it cannot make real payments.', OTHER_CARD],
    // Mistyped details: say which field to correct.
    incorrect_number: ['Die Kartennummer ist nicht korrekt.', 'The card number is incorrect.',
                       {de: 'Bitte prüfen Sie die Kartennummer.', en: 'Please check the card number.'}],
    invalid_number: ['Die Kartennummer ist ungültig.', 'The card number is not valid.',
                     {de: 'Bitte prüfen Sie die Kartennummer.', en: 'Please check the card number.'}],
    incomplete_number: ['Die Kartennummer ist unvollständig.', 'The card number is incomplete.',
                        {de: 'Bitte geben Sie alle Ziffern ein.', en: 'Please enter all digits.'}],
    incorrect_cvc: ['Die Prüfnummer (CVC) ist falsch.', 'The security code (CVC) is incorrect.',
                    {de: 'Sie steht dreistellig auf der Rückseite der Karte.', en: 'It is the three digits on the back of the card.'}],
    invalid_cvc: ['Die Prüfnummer (CVC) ist ungültig.', 'The security code (CVC) is not valid.',
                  {de: 'Sie steht dreistellig auf der Rückseite der Karte.', en: 'It is the three digits on the back of the card.'}],
    incomplete_cvc: ['Die Prüfnummer (CVC) ist unvollständig.', 'The security code (CVC) is incomplete.',
                     {de: 'Sie steht dreistellig auf der Rückseite der Karte.', en: 'It is the three digits on the back of the card.'}],
    invalid_expiry_month: ['Der Monat des Ablaufdatums ist ungültig.', 'The expiry month is not valid.',
                           {de: 'Bitte als MM/JJ eingeben, z. B. 08/29.', en: 'Please enter it as MM/YY, e.g. 08/29.'}],
    invalid_expiry_year: ['Das Jahr des Ablaufdatums ist ungültig.', 'The expiry year is not valid.',
                          {de: 'Bitte als MM/JJ eingeben, z. B. 08/29.', en: 'Please enter it as MM/YY, e.g. 08/29.'}],
    invalid_expiry_year_past: ['Das Ablaufdatum liegt in der Vergangenheit.', 'The expiry date is in the past.',
                               {de: 'Bitte prüfen Sie das Datum oder verwenden Sie eine gültige Karte.', en: 'Please check the date or use a valid card.'}],
    invalid_expiry_month_past: ['Das Ablaufdatum liegt in der Vergangenheit.', 'The expiry date is in the past.',
                                {de: 'Bitte prüfen Sie das Datum oder verwenden Sie eine gültige Karte.', en: 'Please check the date or use a valid card.'}],
    incomplete_expiry: ['Das Ablaufdatum ist unvollständig.', 'The expiry date is incomplete.',
                        {de: 'Bitte als MM/JJ eingeben, z. B. 08/29.', en: 'Please enter it as MM/YY, e.g. 08/29.'}],
    incorrect_zip: ['Die Postleitzahl passt nicht zur Karte.', 'The postcode does not match the card.',
                    {de: 'Bitte prüfen Sie die Postleitzahl.', en: 'Please check the postcode.'}],
    incomplete_zip: ['Die Postleitzahl ist unvollständig.', 'The postcode is incomplete.',
                     {de: 'Bitte prüfen Sie die Postleitzahl.', en: 'Please check the postcode.'}],
    email_invalid: ['Die E-Mail-Adresse ist ungültig.', 'The e-mail address is not valid.',
                    {de: 'Bitte prüfen Sie die Adresse.', en: 'Please check the address.'}],
    authentication_required: ['Ihre Bank verlangt eine Bestätigung (3-D Secure).', 'Your bank asks for a confirmation (3-D Secure).',
                              {de: 'Bitte erneut bezahlen und die Zahlung in Ihrer Banking-App bestätigen.', en: 'Please pay again and confirm the payment in your banking app.'}],
    payment_intent_authentication_failure: ['Die Bestätigung bei Ihrer Bank (3-D Secure) ist fehlgeschlagen.', 'The confirmation with your bank (3-D Secure) failed.',
                                            {de: 'Bitte erneut bezahlen und die Zahlung bestätigen, oder eine andere Karte verwenden.', en: 'Please pay again and confirm the payment, or use another card.'}],
    payment_intent_payment_attempt_failed: ['Die Zahlung ist fehlgeschlagen.', 'The payment failed.', OTHER_CARD],
    payment_intent_unexpected_state: ['Diese Zahlung ist bereits abgeschlossen oder abgebrochen.', 'This payment has already been completed or cancelled.',
                                      {de: 'Bitte laden Sie die Seite neu.', en: 'Please reload the page.'}],
    payment_method_provider_decline: ['Die Zahlung wurde vom Anbieter abgelehnt.', 'The payment was declined by the provider.', OTHER_CARD],
    rate_limit: ['Gerade sind sehr viele Zahlungen unterwegs.', 'Many payments are being made right now.', AGAIN],
    api_connection_error: ['Keine Verbindung zum Zahlungsdienst.', 'No connection to the payment service.',
                           {de: 'Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es erneut.', en: 'Please check your internet connection and try again.'}]
  };
  var FALLBACK = {de: 'Die Zahlung ist nicht durchgegangen.', en: 'The payment did not go through.'};

  /* The message for a stripe.js error object ({type, code, decline_code, message}). */
  function message(error, lang) {
    lang = lang === 'en' ? 'en' : 'de';
    var e = error || {};
    var entry = M[e.decline_code] || M[e.code] || (e.type === 'api_connection_error' ? M.api_connection_error : null);
    if (!entry) return FALLBACK[lang] + ' ' + OTHER_CARD[lang];
    return (lang === 'en' ? entry[1] : entry[0]) + ' ' + entry[2][lang];
  }
  global.PaymentErrors = {message: message, codes: Object.keys(M)};
})(window);
