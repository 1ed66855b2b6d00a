*** Settings ***
Documentation       keywords.legacyweb against the sandbox's case system, run by test_legacyweb.py:
...                 log in with the vault's secret, find fields by label (also those with no id),
...                 tell business from application errors. All data is synthetic.
Library             RPA.Robocorp.Vault    default_adapter=keywords.vault.NightshiftSecrets
Library             keywords.legacyweb    timeout=10

Suite Setup         Open And Log In
Suite Teardown      Close Legacy System


*** Variables ***
${URL}      %{CASE_SYSTEM_URL}


*** Test Cases ***
Fill By Label Finds Fields Without An Id
    New Item Context
    Ensure Logged In    /children/new
    Wait For Page    Create child record
    Fill By Label    Forename    Robin
    Fill By Label    Surname    Keywordtest
    Fill By Label    Date of birth    03/05/2015
    Choose By Label    Gender    Not known
    Fill By Label    NHS number    999 000 0042
    Fill By Label    Address line 1    1 Label Lane
    Fill By Label    Town    Riverside
    Fill By Label    Postcode    rv1 4ab
    Fill By Label    School    Riverside Primary
    ${town}=    Get Field Value    Town
    Should Be Equal    ${town}    Riverside
    Click Button    Save child
    Wait For Page    Child record
    Page Should Show    Child record created

A Value No Option Matches Is A Business Error
    New Item Context
    Ensure Logged In    /children/new
    Run Keyword And Expect Error    BusinessError: OptionNotFound: *Female, Male, Not known*
    ...    Choose By Label    Gender    Alien

The Validation Box Is A Business Error
    New Item Context
    Ensure Logged In    /children/new
    ${error}=    Run Keyword And Expect Error    BusinessError: FormRejected: *Enter the child's forename*
    ...    Click Button    Save child
    ${code}=    Get Error Code    ${error}
    Should Be Equal    ${code}    FORM_REJECTED

The Session Carries Into A New Item Context
    New Item Context
    Ensure Logged In    /
    Wait For Page    Search    exact=${True}
    Fill By Label    Referral reference    NO-SUCH-REF
    Click Button    Find referral
    Page Should Show    No referral has that reference
    @{rows}=    Get Table Rows    id=referral-results
    Should Be Empty    ${rows}


*** Keywords ***
Open And Log In
    ${secret}=    Get Secret    case_system
    Open Legacy System    ${URL}
    Log In    ${secret}[username]    ${secret}[password]
    Log    ${secret}[password]    # shows <secret>: the vault hands passwords over as secrets
