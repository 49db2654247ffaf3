"""The SQL of the checks that stand in for the foreign keys of a statement line (migrations 0011 and 0012): one
function checks every line an INSERT or UPDATE statement wrote, and a trigger on each table referred to refuses
deleting a row a statement line refers to. The text is what the migrations ran: change it only with a new
migration that runs it again."""

# column of billing_statementline, the table it refers to, what the message calls the row
ORDER_LINE = ("order_line_id", "portal_orderline", "order line")
CATEGORY = ("category_id", "portal_category", "category")
EXPLANATION = ("explanation_id", "billing_commissionexplanation", "commission explanation")
STATEMENT = ("statement_id", "billing_statement", "statement")


def _few(column: str, table: str, name: str) -> str:
    """A reference most lines share (a few hundred distinct values a chunk): each distinct value looked up once."""
    return f"""
    IF missing IS NULL THEN
        WITH ids AS MATERIALIZED (SELECT DISTINCT {column} AS id FROM new_lines WHERE {column} IS NOT NULL)
        SELECT '{name} ' || ids.id INTO missing FROM ids
            WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.id = ids.id) LIMIT 1;
    END IF;"""  # noqa: S608 (names from the constants above)


def lines_check(few: list[tuple[str, str, str]]) -> str:
    """The function: the order lines probed by primary key once per line (LATERAL … LIMIT 1, whatever the planner
    believes of the table's size), then the references in `few`."""
    return f"""
CREATE OR REPLACE FUNCTION billing_statementline_refs() RETURNS trigger AS $$
DECLARE
    missing text;
BEGIN
    SELECT 'order line ' || n.order_line_id INTO missing FROM new_lines n
        LEFT JOIN LATERAL (SELECT 1 AS hit FROM portal_orderline o WHERE o.id = n.order_line_id LIMIT 1) f ON true
        WHERE n.order_line_id IS NOT NULL AND f.hit IS NULL LIMIT 1;{"".join(_few(*ref) for ref in few)}
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'a statement line refers to % that does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


LINES_TRIGGERS = """
CREATE TRIGGER billing_statementline_refs_insert AFTER INSERT ON billing_statementline
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION billing_statementline_refs();
CREATE TRIGGER billing_statementline_refs_update AFTER UPDATE ON billing_statementline
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION billing_statementline_refs();
"""


def delete_check(column: str, table: str, name: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {table}_kept_for_statements() RETURNS trigger AS $$
DECLARE
    used bigint;
BEGIN
    SELECT o.id INTO used FROM old_rows o
        WHERE EXISTS (SELECT 1 FROM billing_statementline l WHERE l.{column} = o.id) LIMIT 1;
    IF used IS NOT NULL THEN
        RAISE EXCEPTION '{name} % is on a statement and cannot be deleted', used
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_kept_for_statements AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_kept_for_statements();
"""  # noqa: S608 (names from the constants above)


def delete_check_drop(table: str) -> str:
    return f"DROP TRIGGER {table}_kept_for_statements ON {table}; DROP FUNCTION {table}_kept_for_statements();"
