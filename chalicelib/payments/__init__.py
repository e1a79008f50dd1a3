"""Buying vouchers online: orders paid through Stripe, exactly-once issuing, delivery, refunds, bonus campaigns,
settlement with retailers."""
