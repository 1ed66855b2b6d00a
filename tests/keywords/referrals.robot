*** Settings ***
Documentation       The referrals keyword library as a robot uses it. Run by test_referrals_library.py,
...                 which passes the generated files as variables.
Library             Collections
Library             OperatingSystem
Library             keywords.referrals


*** Variables ***
${CLEAN_PDF}            ${EMPTY}
${XLSX}                 ${EMPTY}
${XLSX_COUNT}           0
${BAD_NHS_FILE}         ${EMPTY}
${BAD_NHS_REFERENCE}    ${EMPTY}
${CORRUPT_PDF}          ${EMPTY}
${CORRUPT_REFERENCE}    ${EMPTY}
${WORKDIR}              ${TEMPDIR}${/}referrals-robot-test


*** Test Cases ***
A filled PDF form reads to one valid referral
    @{referrals}=    Read Referrals From File    ${CLEAN_PDF}
    Length Should Be    ${referrals}    1
    Validate Referral    ${referrals}[0]
    Should Be Equal    ${referrals}[0][source][format]    pdf
    Should Match Regexp    ${referrals}[0][nhs_number]    ^\\d{10}$

A spreadsheet reads to one referral a row
    @{referrals}=    Read Referrals From File    ${XLSX}
    Length Should Be    ${referrals}    ${XLSX_COUNT}
    FOR    ${referral}    IN    @{referrals}
        Should Be Equal    ${referral}[source][format]    xlsx
        Should Be True    ${referral}[source][row] >= 2
    END

A wrong NHS number fails validation with its code and field
    @{referrals}=    Read Referrals From File    ${BAD_NHS_FILE}
    FOR    ${referral}    IN    @{referrals}
        IF    $referral["reference"] == $BAD_NHS_REFERENCE    BREAK
    END
    Run Keyword And Expect Error    INVALID_NHS_NUMBER: nhs_number: fails the Modulus 11 check digit*
    ...    Validate Referral    ${referral}
    @{problems}=    Get Referral Problems    ${referral}
    Should Be Equal    ${problems}[0][field]    nhs_number

A corrupt PDF is an unreadable file, kept as one marked payload
    Run Keyword And Expect Error    UNREADABLE_PDF:*    Read Referrals From File    ${CORRUPT_PDF}
    @{payloads}=    Prepare Referral Work Items    ${CORRUPT_PDF}
    Length Should Be    ${payloads}    1
    Should Be Equal    ${payloads}[0][validation][code]    UNREADABLE_PDF
    Should Be Equal    ${payloads}[0][validation][field]    ${None}
    Should Contain    ${payloads}[0][validation][message]    ${CORRUPT_REFERENCE}
    Should Start With    ${payloads}[0][reference]    FILE-

NHS numbers and postcodes
    NHS Number Should Be Valid    943 476 5919
    Run Keyword And Expect Error    INVALID_NHS_NUMBER:*    NHS Number Should Be Valid    943 476 5918
    Run Keyword And Expect Error    INVALID_NHS_NUMBER: Not an NHS number
    ...    NHS Number Should Be Valid    12345    msg=Not an NHS number
    ${nhs}=    Normalise NHS Number    943-476-5919
    Should Be Equal    ${nhs}    9434765919
    Postcode Should Be Valid    sw1a1aa
    Run Keyword And Expect Error    INVALID_POSTCODE:*    Postcode Should Be Valid    SW1A 1A
    ${postcode}=    Normalise Postcode    m11ae
    Should Be Equal    ${postcode}    M1 1AE

The inbox is listed by name and archived file by file
    Remove Directory    ${WORKDIR}    recursive=True
    Create File    ${WORKDIR}${/}inbox${/}b.pdf    b
    Create File    ${WORKDIR}${/}inbox${/}a.csv    a
    Create File    ${WORKDIR}${/}inbox${/}a.csv.part    still arriving
    @{files}=    List Inbox Files    ${WORKDIR}${/}inbox
    Length Should Be    ${files}    2
    Should End With    ${files}[0]    a.csv
    FOR    ${file}    IN    @{files}
        Archive Inbox File    ${file}    ${WORKDIR}${/}archive
    END
    File Should Exist    ${WORKDIR}${/}archive${/}a.csv
    File Should Exist    ${WORKDIR}${/}archive${/}b.pdf
    File Should Not Exist    ${WORKDIR}${/}inbox${/}a.csv
    File Should Exist    ${WORKDIR}${/}inbox${/}a.csv.part
