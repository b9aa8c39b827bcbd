package com.example.trade;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Commission and stamp duty of an order, rounded to the fen. */
public final class PriceCalculator {
    private static final BigDecimal COMMISSION_RATE = new BigDecimal("0.00025");
    private static final BigDecimal MIN_COMMISSION = new BigDecimal("5.00");
    private static final BigDecimal STAMP_DUTY_RATE = new BigDecimal("0.0005");

    public BigDecimal commission(Order order) {
        BigDecimal fee = order.amount().multiply(COMMISSION_RATE).setScale(2, RoundingMode.HALF_UP);
        if (fee.compareTo(MIN_COMMISSION) < 0) {
            return MIN_COMMISSION;
        }
        return fee;
    }

    public BigDecimal stampDuty(Order order) {
        if (order.side() == Order.Side.BUY) {
            return BigDecimal.ZERO.setScale(2);
        }
        return order.amount().multiply(STAMP_DUTY_RATE).setScale(2, RoundingMode.HALF_UP);
    }

    public BigDecimal totalCost(Order order) {
        return commission(order).add(stampDuty(order));
    }
}
