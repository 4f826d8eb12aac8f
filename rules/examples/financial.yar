/*
 * financial.yar - example scope set for "financial records of ACME Ltd from
 * 2010 to 2012".  Pair it with a case.conf that sets date_from/date_to, so
 * that a matching document outside the period is not reported as relevant.
 */

rule acme_financial_documents : relevant
{
    meta:
        reason = "ACME financial document (keywords in a document, spreadsheet or text)"
    strings:
        $acme = "ACME Ltd" nocase
        $k1 = "invoice" nocase
        $k2 = "ledger" nocase
        $k3 = "balance sheet" nocase
        $k4 = "purchase order" nocase
    condition:
        $acme and any of ($k*) and
        (category == "document" or category == "spreadsheet" or category == "text")
}

rule spreadsheets_in_finance_folders : needs_review
{
    meta:
        reason = "spreadsheet in a folder named for finance, without the company name"
    condition:
        category == "spreadsheet" and filepath matches /\/(finance|accounts|accounting|invoices)\//i
}
