*** Settings ***
Documentation       The referral bot's consumer step: key each referral into the case management system, once.
...
...                 For each input work item (a normalised referral, see ``keywords/referrals/schema.py``):
...
...                 1. A referral the producer found invalid (``validation`` set) is released at once as a
...                 BUSINESS failure with the producer's code and message.
...                 2. *Idempotent:* the case system is searched for the item's reference (the referral's
...                 external reference). If a referral has it, its case reference is read back and
...                 nothing is keyed: a rerun after a crash, or an error page that came after the system
...                 had saved, creates nothing twice.
...                 3. Else a new referral is started; the child is searched by surname and date of birth
...                 and linked when the NHS number matches, or created; the referrer, concerns and consent
...                 pages are filled in (fields found by label) and the referral saved.
...                 4. The case reference is read back and an output work item
...                 ``{reference, case_reference, existing}`` is created (no personal values). Its
...                 reference is the referral's, so a rerun finds the earlier output.
...
...                 *Retries.* Every step (search, child, referrer, concerns, consent, save) is retried up to
...                 ``${RETRIES}`` times on an ``ApplicationError`` (timeout, error page, HTTP 500, "System
...                 busy", expired session): back to the step's page, logging in again if the session ended
...                 (a fresh browser context after a timeout), and again: the system's draft keeps the
...                 referral's answers so far.
...                 Repeating a step is safe: the pages overwrite the draft's answers, the child is searched
...                 again before one is created, and a draft already saved leads to its referral. When a
...                 step still fails, the item is released as an APPLICATION failure with a screenshot
...                 attached, and the queue retries it later. A ``BusinessError`` (the system's validation
...                 box, a value no option matches) fails the item as BUSINESS, with a screenshot.
...                 ``LoginRefused`` (wrong credentials) ends the run.
...
...                 Settings: ``CASE_SYSTEM_URL`` (the system's address), ``CASE_SYSTEM_SECRET`` (the vault
...                 secret with ``username`` and ``password``; default ``case_system``), the adapters
...                 ``RPA_WORKITEMS_ADAPTER=workitems.rpa.QueueAdapter`` with ``NIGHTSHIFT_QUEUE`` and
...                 ``NIGHTSHIFT_OUTPUT_QUEUE``, and ``RPA_SECRET_MANAGER`` (default
...                 ``keywords.vault.NightshiftSecrets``). Run with ``--maxassignlength 0`` so that no
...                 value read from an item or a page reaches the log:
...                 | nightshift secrets set case_system username=robot --prompt password
...                 | CASE_SYSTEM_URL=http://127.0.0.1:8700/ RPA_WORKITEMS_ADAPTER=workitems.rpa.QueueAdapter NIGHTSHIFT_QUEUE=referrals NIGHTSHIFT_OUTPUT_QUEUE=referrals-keyed python -m robot --rpa --maxassignlength 0 --task "Key referrals" --outputdir output robots/referrals/consumer.robot

Library             OperatingSystem
Library             RPA.Robocorp.WorkItems    autoload=${False}
Library             RPA.Robocorp.Vault    default_adapter=keywords.vault.NightshiftSecrets
Library             keywords.legacyweb

Suite Setup         Open Case System
Suite Teardown      Close Legacy System


*** Variables ***
${CASE_SYSTEM_URL}      %{CASE_SYSTEM_URL=http://127.0.0.1:8700/}
${SECRET_NAME}          %{CASE_SYSTEM_SECRET=case_system}
${RETRIES}              4


*** Tasks ***
Key referrals
    [Documentation]    Key every referral waiting in the input queue into the case system.
    For Each Input Work Item    Key One Referral    return_results=${False}


*** Keywords ***
Open Case System
    [Documentation]    Open Chromium on the case system and log in with the vault's credentials.
    # Outputs take the referral's reference as their own, so a rerun finds them (workitems.rpa).
    Set Environment Variable    NIGHTSHIFT_REFERENCE_FIELD    %{NIGHTSHIFT_REFERENCE_FIELD=reference}
    ${secret}=    Get Secret    ${SECRET_NAME}
    Open Legacy System    ${CASE_SYSTEM_URL}
    TRY
        Log In    ${secret}[username]    ${secret}[password]
    EXCEPT    ApplicationError:*    type=glob    AS    ${error}
        Log    The page after logging in failed (${error}); each item logs in again when it needs to.    WARN
    END

Key One Referral
    [Documentation]    One input item: released as a BUSINESS failure, an APPLICATION failure, or done.
    ${referral}=    Get Work Item Payload
    ${reference}=    Set Variable    ${referral}[reference]
    IF    $referral.get("validation")
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=${referral}[validation][code]
        ...    message=${referral}[validation][message]
        RETURN
    END
    TRY
        New Item Context
        ${case_ref}    ${existing}=    Key Referral    ${referral}
    EXCEPT    BusinessError:*    type=glob    AS    ${error}
        Release With Screenshot    BUSINESS    ${reference}    ${error}
        RETURN
    EXCEPT    ApplicationError:*    type=glob    AS    ${error}
        Release With Screenshot    APPLICATION    ${reference}    ${error}
        RETURN
    EXCEPT    LoginRefused:*    type=glob    AS    ${error}
        Fail    ${error}    # every item would fail: end the run (the item goes back to the queue)
    EXCEPT    AS    ${error}
        # A fault of the bot itself: this item fails, the others still get their chance.
        Release With Screenshot    APPLICATION    ${reference}    ${error}    code=ROBOT_ERROR
        RETURN
    END
    Create Output Work Item
    Set Work Item Payload    ${{ {"reference": $reference, "case_reference": $case_ref, "existing": $existing} }}
    Save Work Item
    Log    ${reference}: ${{ "found as" if $existing else "keyed as" }} ${case_ref}.

Key Referral
    [Documentation]    The case reference of the item's referral, and whether it was there already.
    [Arguments]    ${referral}
    ${case_ref}=    Repeat Step    /    Find Referral By Reference    ${referral}[reference]
    IF    $case_ref    RETURN    ${case_ref}    ${True}
    ${draft}=    Repeat Step    /referrals/new    Get Draft Address
    Repeat Step    ${draft}/child    Choose Or Create Child    ${referral}
    Repeat Step    ${draft}/referrer    Fill In Referrer    ${referral}
    Repeat Step    ${draft}/concerns    Fill In Concerns    ${referral}
    Repeat Step    ${draft}/consent    Fill In Consent    ${referral}
    ${case_ref}=    Repeat Step    ${draft}/check    Save Referral
    RETURN    ${case_ref}    ${False}

Repeat Step
    [Documentation]    Run ``step`` on the page ``path``; on an ApplicationError go back to that page (logging
    ...    in again if the session ended) and run it again, at most ${RETRIES} more times. After a
    ...    timeout or a browser failure the page may be stuck, so a fresh browser context is opened first.
    [Arguments]    ${path}    ${step}    @{args}
    FOR    ${try}    IN RANGE    0    ${RETRIES} + 1
        TRY
            Ensure Logged In    ${path}
            ${result}=    Run Keyword    ${step}    @{args}
            RETURN    ${result}
        EXCEPT    ApplicationError:*    type=glob    AS    ${error}
            Log    ${step} failed (try ${try + 1} of ${{ int($RETRIES) + 1 }}): ${error}    WARN
            ${stuck}=    Evaluate    $error.split(":")[1].strip() in ("Timeout", "BrowserError", "Unreachable")
            IF    ${stuck}    New Item Context
        END
    END
    Fail    ${error}

Find Referral By Reference
    [Documentation]    The case reference of the referral with this external reference, or an empty string.
    [Arguments]    ${reference}
    Fill By Label    Referral reference    ${reference}
    Click Button    Find referral
    Wait For Page    Search    exact=${True}
    # The results heading proves the search ran ("Referrals found: 0" when none).
    Get Text    xpath=//h2[starts-with(normalize-space(.), 'Referrals found')]
    @{rows}=    Get Table Rows    id=referral-results
    IF    not $rows    RETURN    ${EMPTY}
    RETURN    ${rows}[0][Case reference]

Get Draft Address
    [Documentation]    The address of the new referral's pages, e.g. ``/referrals/new/3f2a…``.
    Wait For Page    New referral: the child
    ${path}=    Get Page Path
    RETURN    ${path.rsplit("/", 1)[0]}

Choose Or Create Child
    [Arguments]    ${referral}
    Wait For Page    New referral: the child
    ${dob}=    Format Date For Form    ${referral}[date_of_birth]
    Fill By Label    Surname    ${referral}[child_surname]
    Fill By Label    Date of birth    ${dob}
    Click Button    Search
    Wait For Page    New referral: the child
    ${known}=    Choose Table Row    id=child-results    NHS number    ${referral}[nhs_number]
    IF    ${known}
        Click Button    Use selected child
    ELSE
        Click Link    Create a new child record
        Wait For Page    Create child record
        Fill By Label    Forename    ${referral}[child_forename]
        Fill By Label    Surname    ${referral}[child_surname]
        Fill By Label    Date of birth    ${dob}
        Choose By Label    Gender    ${referral}[gender]
        Fill By Label    NHS number    ${referral}[nhs_number]
        Fill By Label    Address line 1    ${referral}[address_line1]
        Fill By Label    Town    ${referral}[town]
        Fill By Label    Postcode    ${referral}[postcode]
        Fill By Label    School    ${referral}[school]
        Click Button    Save child
    END
    Wait For Page    New referral: the referrer

Fill In Referrer
    [Arguments]    ${referral}
    Wait For Page    New referral: the referrer
    Fill By Label    External reference    ${referral}[reference]
    Fill By Label    Referrer name    ${referral}[referrer_name]
    Choose By Label    Referrer role    ${referral}[referrer_role]
    Fill By Label    Organisation    ${referral}[referrer_organisation]
    Fill By Label    Telephone    ${referral}[referrer_phone]
    Fill By Label    Email    ${referral}[referrer_email]
    Click Button    Next
    Wait For Page    New referral: concerns

Fill In Concerns
    [Arguments]    ${referral}
    Wait For Page    New referral: concerns
    Choose Radio    ${referral}[concern_category]    group=Category of concern
    Fill By Label    Details of concerns    ${referral}[concern_details]
    Click Button    Next
    Wait For Page    New referral: consent

Fill In Consent
    [Arguments]    ${referral}
    Wait For Page    New referral: consent
    IF    $referral["consent"]
        Choose Radio    Yes    group=consent
        ${given}=    Format Date For Form    ${referral}[referral_date]
        Fill By Label    Date consent given    ${given}
    ELSE
        Choose Radio    No    group=consent
        Fill By Label    Date consent given    ${EMPTY}
    END
    Click Button    Next
    Wait For Page    Check your answers

Save Referral
    [Documentation]    Save from the check page and read the case reference back. A draft saved already
    ...    (an error page came after the save) leads straight to its referral.
    ${heading}=    Get Page Heading
    IF    $heading != "Referral"
        Wait For Page    Check your answers
        Click Button    Save referral
    END
    Wait For Page    Referral    exact=${True}
    ${case_ref}=    Get Text    id=case-reference
    RETURN    ${case_ref}

Release With Screenshot
    [Documentation]    Release the input as failed, with a screenshot of the page attached to it.
    [Arguments]    ${type}    ${reference}    ${error}    ${code}=${EMPTY}
    IF    not $code
        ${code}=    Get Error Code    ${error}
    END
    ${shot}=    Take Failure Screenshot    ${reference}
    IF    $shot
        Add Work Item File    ${shot}
        Save Work Item    # files reach the store on save, before the release below
    END
    Release Input Work Item    FAILED    exception_type=${type}    code=${code}    message=${error}
