package com.example.trade;

import java.time.DayOfWeek;
import java.time.LocalDate;

/** Settlement dates: shares settle T+1 on the next working day. */
public final class SettlementService {
    public LocalDate settlementDate(LocalDate tradeDate) {
        LocalDate next = tradeDate.plusDays(1);
        while (isWeekend(next)) {
            next = next.plusDays(1);
        }
        return next;
    }

    static boolean isWeekend(LocalDate day) {
        DayOfWeek dow = day.getDayOfWeek();
        return dow == DayOfWeek.SATURDAY || dow == DayOfWeek.SUNDAY;
    }

    public String describe(LocalDate tradeDate) {
        return "T+1 " + settlementDate(tradeDate);
    }
}
