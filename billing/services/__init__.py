"""billing's writes. Every money movement locks the deposit account (or the payment/invoice row) and writes its
audit entry in the same transaction (portal/workflow.py, portal/audit.py)."""
